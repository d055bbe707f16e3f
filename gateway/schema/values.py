"""Value objects of an order (no identity of their own): lines, money parts, addresses.

Each type here is the GraphQL face of the domain value of the same name (``adapters.model``),
field for field under the same Python names, and the schema serves the domain values as they
are: copying every line, tax and address of every order into a twin object cost more than
answering the fields a client asked for. ``tests/gateway/schema/test_values.py`` keeps the two
in step.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from adapters.model import OrderLineType


@strawberry.type(description="A free name/value pair attached to an order or an order line.")
class Attribute:
    name: str = strawberry.field(description="The attribute's name.")
    value: str | None = strawberry.field(description="The attribute's value, if any.")


@strawberry.type(description="A tax on an order line or fee.")
class Tax:
    amount: float | None = strawberry.field(description="The tax amount in the order currency.")
    percent: float | None = strawberry.field(description="The tax rate in percent.")
    description: str | None = strawberry.field(description="What the tax is, e.g. VAT.")


@strawberry.type(description="A discount on an order or an order line.")
class Discount:
    amount: float = strawberry.field(description="The amount taken off, in the order currency.")
    type: str | None = strawberry.field(description="The kind of discount, e.g. Voucher.")
    description: str | None = strawberry.field(description="Free text about the discount.")


@strawberry.type(description="A fee charged on an order, e.g. shipping.")
class Fee:
    amount: float = strawberry.field(description="The fee amount, in the order currency.")
    type: str | None = strawberry.field(description="The kind of fee, e.g. Shipping.")
    description: str | None = strawberry.field(description="Free text about the fee.")
    taxes: list[Tax] = strawberry.field(description="Taxes included in the fee.")


@strawberry.type(description="A payment made for an order.")
class Payment:
    amount: float = strawberry.field(description="The amount paid, in the order currency.")
    method: str | None = strawberry.field(description="How it was paid, e.g. Card or Invoice.")
    reference: str | None = strawberry.field(description="The payment provider's reference.")


@strawberry.type(description="How an order is delivered and how to track it.")
class Delivery:
    method: str | None = strawberry.field(description="Delivery method, e.g. Home delivery.")
    tracking_number: str | None = strawberry.field(description="The carrier's tracking number.")
    tracking_uri: str | None = strawberry.field(description="Where the shipment can be tracked.")
    delivery_date: datetime | None = strawberry.field(
        description="When the order is (or was) delivered."
    )


@strawberry.type(description="A postal address with the person or company it belongs to.")
class Address:
    title: str | None = strawberry.field(description="Form of address, e.g. Ms.")
    first_name: str | None = strawberry.field(description="Given name.")
    last_name: str | None = strawberry.field(description="Family name.")
    company: str | None = strawberry.field(description="Company name.")
    street: str | None = strawberry.field(description="Street and number.")
    zip_code: str | None = strawberry.field(description="Postal code.")
    city: str | None = strawberry.field(description="City.")
    country_code: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    email: str | None = strawberry.field(description="Email address for this address.")
    phone: str | None = strawberry.field(description="Phone number for this address.")


@strawberry.type(description="Why a line was returned.")
class ReturnDetails:
    type: str = strawberry.field(description="Normal, Complaint or Change (Engage's words).")
    reason: str | None = strawberry.field(description="Free text.")


@strawberry.type(description="One article line of an order, bought or returned.")
class OrderLine:
    line_id: str | None = strawberry.field(description="The line's id within the order.")
    sku: str = strawberry.field(description="The article's SKU.")
    name: str | None = strawberry.field(description="The article's name.")
    type: OrderLineType = strawberry.field(description="Whether the line buys or returns.")
    quantity: int = strawberry.field(description="How many units.")
    returned_quantity: int | None = strawberry.field(
        description="How many units of this line were returned (ExpertSender's 'returned')."
    )
    unit_price: float | None = strawberry.field(
        description="Price per unit after discounts, tax included."
    )
    total_price: float | None = strawberry.field(
        description="Line total after discounts, tax included."
    )
    url: str | None = strawberry.field(description="The article's page.")
    image_url: str | None = strawberry.field(description="The article's image.")
    category: str | None = strawberry.field(description="The article's category.")
    attributes: list[Attribute] = strawberry.field(description="The line's attributes.")
    discounts: list[Discount] = strawberry.field(description="Discounts on this line.")
    taxes: list[Tax] = strawberry.field(description="Taxes included in this line.")
    description: str | None = strawberry.field(
        default=None, description="The article's description (Engage)."
    )
    external_status: str | None = strawberry.field(
        default=None, description="The line's own status in the client's words (Engage)."
    )
    original_unit_price: float | None = strawberry.field(
        default=None, description="Price per unit before discounts, tax included (Engage)."
    )
    original_total_price: float | None = strawberry.field(
        default=None, description="Line total before discounts, tax included (Engage)."
    )
    return_details: ReturnDetails | None = strawberry.field(
        default=None, description="Why the line was returned (Engage)."
    )
