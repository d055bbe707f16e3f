"""Input types of the mutations, shaped like the output types they write."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from adapters.model import OrderActionType, OrderLineType, OrderStatus, Vendor, WriteMode

_IDEMPOTENCY_KEY = (
    "Optional client-chosen key (1-200 characters): a retry with the same key and the same "
    "input returns the first result instead of writing again; the same key with a different "
    "input fails with IDEMPOTENCY_KEY_REUSED. Keys are remembered for 24 hours."
)


@strawberry.input(description="A name/value attribute to store on an order or order line.")
class AttributeInput:
    name: str = strawberry.field(description="The attribute's name.")
    value: str | None = strawberry.field(default=None, description="The attribute's value.")


@strawberry.input(description="A tax on an order line or fee.")
class TaxInput:
    amount: float | None = strawberry.field(default=None, description="The tax amount.")
    percent: float | None = strawberry.field(default=None, description="The tax rate in %.")
    description: str | None = strawberry.field(default=None, description="What the tax is.")


@strawberry.input(description="A discount on an order or order line.")
class DiscountInput:
    amount: float = strawberry.field(description="The amount taken off.")
    type: str | None = strawberry.field(default=None, description="The kind of discount.")
    description: str | None = strawberry.field(default=None, description="Free text.")


@strawberry.input(description="A fee charged on an order, e.g. shipping.")
class FeeInput:
    amount: float = strawberry.field(description="The fee amount.")
    type: str | None = strawberry.field(default=None, description="The kind of fee.")
    description: str | None = strawberry.field(default=None, description="Free text.")
    taxes: list[TaxInput] | None = strawberry.field(
        default=None, description="Taxes included in the fee."
    )


@strawberry.input(description="A payment made for an order.")
class PaymentInput:
    amount: float = strawberry.field(description="The amount paid.")
    method: str | None = strawberry.field(default=None, description="How it was paid.")
    reference: str | None = strawberry.field(
        default=None, description="The payment provider's reference."
    )


@strawberry.input(description="Delivery and tracking details of an order.")
class DeliveryInput:
    method: str | None = strawberry.field(default=None, description="Delivery method.")
    tracking_number: str | None = strawberry.field(
        default=None, description="The carrier's tracking number."
    )
    tracking_uri: str | None = strawberry.field(
        default=None, description="Where the shipment can be tracked."
    )
    delivery_date: datetime | None = strawberry.field(
        default=None, description="When the order is (or was) delivered."
    )


@strawberry.input(description="A postal address with the person or company it belongs to.")
class AddressInput:
    title: str | None = strawberry.field(default=None, description="Form of address.")
    first_name: str | None = strawberry.field(default=None, description="Given name.")
    last_name: str | None = strawberry.field(default=None, description="Family name.")
    company: str | None = strawberry.field(default=None, description="Company name.")
    street: str | None = strawberry.field(default=None, description="Street and number.")
    zip_code: str | None = strawberry.field(default=None, description="Postal code.")
    city: str | None = strawberry.field(default=None, description="City.")
    country_code: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 country code."
    )
    email: str | None = strawberry.field(default=None, description="Email address.")
    phone: str | None = strawberry.field(default=None, description="Phone number.")


@strawberry.input(
    description="Names the order's contact; any one key is enough and the vendor resolves it."
)
class ContactRefInput:
    contact_id: str | None = strawberry.field(default=None, description="The vendor's id.")
    email: str | None = strawberry.field(default=None, description="Email address.")
    phone: str | None = strawberry.field(default=None, description="Mobile phone number.")
    external_id: str | None = strawberry.field(
        default=None, description="The client's own id (Engage externalId, ExpertSender crmId)."
    )


@strawberry.input(description="Why a line was returned.")
class ReturnDetailsInput:
    type: str = strawberry.field(description="Normal, Complaint or Change (Engage's words).")
    reason: str | None = strawberry.field(default=None, description="Free text, at most 255.")


@strawberry.input(description="One article line of an order.")
class OrderLineInput:
    sku: str = strawberry.field(description="The article's SKU.")
    quantity: int = strawberry.field(description="How many units (not negative).")
    line_id: str | None = strawberry.field(default=None, description="The line's id.")
    name: str | None = strawberry.field(default=None, description="The article's name.")
    type: OrderLineType | None = strawberry.field(
        default=OrderLineType.PURCHASE,
        description="Whether the line buys or returns (null means PURCHASE).",
    )
    returned_quantity: int | None = strawberry.field(
        default=None, description="How many units were returned (not negative)."
    )
    unit_price: float | None = strawberry.field(
        default=None, description="Price per unit after discounts, tax included."
    )
    total_price: float | None = strawberry.field(
        default=None, description="Line total after discounts, tax included."
    )
    url: str | None = strawberry.field(default=None, description="The article's page.")
    image_url: str | None = strawberry.field(default=None, description="The article's image.")
    category: str | None = strawberry.field(default=None, description="The article's category.")
    attributes: list[AttributeInput] | None = strawberry.field(
        default=None, description="The line's attributes."
    )
    discounts: list[DiscountInput] | None = strawberry.field(
        default=None, description="Discounts on this line."
    )
    taxes: list[TaxInput] | None = strawberry.field(
        default=None, description="Taxes included in this line."
    )
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
    return_details: ReturnDetailsInput | None = strawberry.field(
        default=None, description="Why the line was returned (Engage)."
    )


@strawberry.input(description="A whole order, as writeOrder stores it.")
class OrderInput:
    order_id: str = strawberry.field(description="Client-chosen id, unique per vendor.")
    created_at: datetime = strawberry.field(
        description="When the order was placed, with a UTC offset (e.g. 2025-05-01T12:00:00Z)."
    )
    contact: ContactRefInput = strawberry.field(description="Whose order it is.")
    lines: list[OrderLineInput] = strawberry.field(description="The article lines.")
    contact_type: str | None = strawberry.field(
        default=None,
        description="Which kind of contact the contact keys name, e.g. Member or Contact "
        "(Engage's contact.contactType).",
    )
    last_changed_at: datetime | None = strawberry.field(
        default=None,
        description="When the order last changed in the client's system, with a UTC offset "
        "(Engage).",
    )
    time_zone: str | None = strawberry.field(
        default=None, description="Time zone id the vendor should interpret times in."
    )
    status: OrderStatus | None = strawberry.field(default=None, description="The status.")
    external_status: str | None = strawberry.field(
        default=None, description="Your own free-text status (kept losslessly by Engage)."
    )
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code.")
    total: float | None = strawberry.field(default=None, description="Order total, tax incl.")
    returns_value: float | None = strawberry.field(
        default=None, description="Value of returned items."
    )
    payments: list[PaymentInput] | None = strawberry.field(default=None, description="Payments.")
    discounts: list[DiscountInput] | None = strawberry.field(
        default=None, description="Order-level discounts."
    )
    fees: list[FeeInput] | None = strawberry.field(default=None, description="Fees.")
    taxes: list[TaxInput] | None = strawberry.field(default=None, description="Order-level taxes.")
    delivery: DeliveryInput | None = strawberry.field(default=None, description="Delivery details.")
    billing_address: AddressInput | None = strawberry.field(
        default=None, description="Billing address."
    )
    shipping_address: AddressInput | None = strawberry.field(
        default=None, description="Shipping address."
    )
    attributes: list[AttributeInput] | None = strawberry.field(
        default=None, description="Order attributes."
    )
    references: list[str] | None = strawberry.field(
        default=None, description="Ids of related orders (e.g. a return's original)."
    )
    store_id: str | None = strawberry.field(default=None, description="Store's external id.")
    website_id: int | None = strawberry.field(default=None, description="ExpertSender website id.")
    channel: str | None = strawberry.field(default=None, description="Sales channel.")


@strawberry.input(description="An order action to apply once a write is processed (Engage).")
class OrderActionInput:
    action: OrderActionType = strawberry.field(description="Which action.")
    custom_action: str | None = strawberry.field(
        default=None, description="The action's name when action is CUSTOM."
    )
    language: str | None = strawberry.field(
        default=None, description="Locale for messages the action sends, e.g. en-US."
    )
    data: JSON | None = strawberry.field(
        default=None, description="Arbitrary data passed to the automation."
    )


@strawberry.input(description="Create, replace or upsert a whole order.")
class WriteOrderInput:
    vendor: Vendor = strawberry.field(description="Where to write.")
    mode: WriteMode = strawberry.field(description="Create, replace, or either.")
    order: OrderInput = strawberry.field(description="The whole order.")
    order_action: OrderActionInput | None = strawberry.field(
        default=None,
        description=(
            "An action to apply after the write (Engage). Vendors without actions discard it "
            "with a warning on the job."
        ),
    )
    idempotency_key: str | None = strawberry.field(default=None, description=_IDEMPOTENCY_KEY)


@strawberry.input(description="Change an order's status.")
class ChangeOrderStatusInput:
    vendor: Vendor = strawberry.field(description="Where the order is.")
    order_id: str = strawberry.field(description="The order's id.")
    status: OrderStatus = strawberry.field(description="The new status.")
    external_status: str | None = strawberry.field(
        default=None, description="Your own free-text status (Engage keeps it)."
    )
    order_action: OrderActionInput | None = strawberry.field(
        default=None,
        description="An action to apply after the change (Engage; discarded with a warning "
        "elsewhere).",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=_IDEMPOTENCY_KEY)


@strawberry.input(description="Delete an order.")
class DeleteOrderInput:
    vendor: Vendor = strawberry.field(description="Where the order is.")
    order_id: str = strawberry.field(description="The order's id.")
    idempotency_key: str | None = strawberry.field(default=None, description=_IDEMPOTENCY_KEY)


@strawberry.input(description="Trigger an order action (Engage only).")
class TriggerOrderActionInput:
    vendor: Vendor = strawberry.field(description="Where the order is.")
    order_id: str = strawberry.field(description="The order's id.")
    action: OrderActionType = strawberry.field(description="Which action.")
    custom_action: str | None = strawberry.field(
        default=None, description="The action's name when action is CUSTOM."
    )
    version_tag: str | None = strawberry.field(
        default=None,
        description="The order version the action is for; omitted, the gateway finds the "
        "current one.",
    )
    language: str | None = strawberry.field(
        default=None, description="Locale for messages the action sends, e.g. en-US."
    )
    data: JSON | None = strawberry.field(
        default=None, description="Arbitrary data passed to the automation."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=_IDEMPOTENCY_KEY)
