"""Value objects of an order (no identity of their own): lines, money parts, addresses."""

from __future__ import annotations

from datetime import datetime

import strawberry

from adapters import model
from adapters.model import OrderLineType


@strawberry.type(description="A free name/value pair attached to an order or an order line.")
class Attribute:
    name: str = strawberry.field(description="The attribute's name.")
    value: str | None = strawberry.field(description="The attribute's value, if any.")

    @classmethod
    def of(cls, item: model.Attribute) -> Attribute:
        return cls(name=item.name, value=item.value)


@strawberry.type(description="A tax on an order line or fee.")
class Tax:
    amount: float | None = strawberry.field(description="The tax amount in the order currency.")
    percent: float | None = strawberry.field(description="The tax rate in percent.")
    description: str | None = strawberry.field(description="What the tax is, e.g. VAT.")

    @classmethod
    def of(cls, item: model.Tax) -> Tax:
        return cls(amount=item.amount, percent=item.percent, description=item.description)


@strawberry.type(description="A discount on an order or an order line.")
class Discount:
    amount: float = strawberry.field(description="The amount taken off, in the order currency.")
    type: str | None = strawberry.field(description="The kind of discount, e.g. Voucher.")
    description: str | None = strawberry.field(description="Free text about the discount.")

    @classmethod
    def of(cls, item: model.Discount) -> Discount:
        return cls(amount=item.amount, type=item.type, description=item.description)


@strawberry.type(description="A fee charged on an order, e.g. shipping.")
class Fee:
    amount: float = strawberry.field(description="The fee amount, in the order currency.")
    type: str | None = strawberry.field(description="The kind of fee, e.g. Shipping.")
    description: str | None = strawberry.field(description="Free text about the fee.")
    taxes: list[Tax] = strawberry.field(description="Taxes included in the fee.")

    @classmethod
    def of(cls, item: model.Fee) -> Fee:
        return cls(
            amount=item.amount,
            type=item.type,
            description=item.description,
            taxes=[Tax.of(tax) for tax in item.taxes],
        )


@strawberry.type(description="A payment made for an order.")
class Payment:
    amount: float = strawberry.field(description="The amount paid, in the order currency.")
    method: str | None = strawberry.field(description="How it was paid, e.g. Card or Invoice.")
    reference: str | None = strawberry.field(description="The payment provider's reference.")

    @classmethod
    def of(cls, item: model.Payment) -> Payment:
        return cls(amount=item.amount, method=item.method, reference=item.reference)


@strawberry.type(description="How an order is delivered and how to track it.")
class Delivery:
    method: str | None = strawberry.field(description="Delivery method, e.g. Home delivery.")
    tracking_number: str | None = strawberry.field(description="The carrier's tracking number.")
    tracking_uri: str | None = strawberry.field(description="Where the shipment can be tracked.")
    delivery_date: datetime | None = strawberry.field(
        description="When the order is (or was) delivered."
    )

    @classmethod
    def of(cls, item: model.Delivery | None) -> Delivery | None:
        if item is None:
            return None
        return cls(
            method=item.method,
            tracking_number=item.tracking_number,
            tracking_uri=item.tracking_uri,
            delivery_date=item.delivery_date,
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

    @classmethod
    def of(cls, item: model.Address | None) -> Address | None:
        if item is None:
            return None
        return cls(
            title=item.title,
            first_name=item.first_name,
            last_name=item.last_name,
            company=item.company,
            street=item.street,
            zip_code=item.zip_code,
            city=item.city,
            country_code=item.country_code,
            email=item.email,
            phone=item.phone,
        )


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

    @classmethod
    def of(cls, line: model.OrderLine) -> OrderLine:
        return cls(
            line_id=line.line_id,
            sku=line.sku,
            name=line.name,
            type=line.type,
            quantity=line.quantity,
            returned_quantity=line.returned_quantity,
            unit_price=line.unit_price,
            total_price=line.total_price,
            url=line.url,
            image_url=line.image_url,
            category=line.category,
            attributes=[Attribute.of(a) for a in line.attributes],
            discounts=[Discount.of(d) for d in line.discounts],
            taxes=[Tax.of(t) for t in line.taxes],
            description=line.description,
            external_status=line.external_status,
            original_unit_price=line.original_unit_price,
            original_total_price=line.original_total_price,
            return_details=(
                None
                if line.return_details is None
                else ReturnDetails(type=line.return_details.type, reason=line.return_details.reason)
            ),
        )
