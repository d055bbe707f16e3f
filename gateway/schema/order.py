"""The ``Order`` node."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from adapters import model
from adapters.model import OrderStatus, OrderType, Vendor
from gateway.errors import BadUserInput
from gateway.ids import NodeType, encode_id
from gateway.schema.info import GatewayInfo
from gateway.schema.node import Node
from gateway.schema.values import (
    Address,
    Attribute,
    Delivery,
    Discount,
    Fee,
    OrderLine,
    Payment,
    Tax,
)

if TYPE_CHECKING:
    from gateway.schema.contact import Contact


@strawberry.type(description="An order as one vendor stores it, in vendor-neutral form.")
class Order(Node):
    vendor: Vendor = strawberry.field(description="The vendor that holds the order.")
    order_id: str = strawberry.field(description="The client-chosen order id, unique per vendor.")
    status: OrderStatus | None = strawberry.field(
        description="Normalised status; null if the vendor's value has no normalised equivalent."
    )
    vendor_status: str | None = strawberry.field(
        description="The status exactly as the vendor stores it."
    )
    external_status: str | None = strawberry.field(
        description="The client's own free-text status (Engage externalStatus)."
    )
    type: OrderType | None = strawberry.field(
        description="Purchase, return or mixed, as far as the vendor reports it."
    )
    created_at: datetime | None = strawberry.field(description="When the order was placed.")
    last_changed_at: datetime | None = strawberry.field(
        description="When the vendor last saw a change."
    )
    contact_type: str | None = strawberry.field(
        default=None,
        description="Which kind of contact the order's contact keys name (Engage contactType).",
    )
    time_zone: str | None = strawberry.field(
        description="The time zone the order's times were given in, if the vendor keeps it."
    )
    currency: str | None = strawberry.field(description="ISO 4217 currency code.")
    total: float | None = strawberry.field(description="The order total, tax included.")
    returns_value: float | None = strawberry.field(description="The value of returned items.")
    # The order's values are the domain's own (see gateway.schema.values), served as they are.
    lines: Sequence[model.OrderLine] = strawberry.field(
        graphql_type=list[OrderLine], description="The order's article lines."
    )
    payments: Sequence[model.Payment] = strawberry.field(
        graphql_type=list[Payment], description="Payments made for the order."
    )
    discounts: Sequence[model.Discount] = strawberry.field(
        graphql_type=list[Discount], description="Order-level discounts."
    )
    fees: Sequence[model.Fee] = strawberry.field(
        graphql_type=list[Fee], description="Fees, e.g. shipping."
    )
    taxes: Sequence[model.Tax] = strawberry.field(
        graphql_type=list[Tax], description="Order-level taxes."
    )
    delivery: model.Delivery | None = strawberry.field(
        graphql_type=Delivery | None, description="Delivery and tracking details."
    )
    billing_address: model.Address | None = strawberry.field(
        graphql_type=Address | None, description="Where the bill goes."
    )
    shipping_address: model.Address | None = strawberry.field(
        graphql_type=Address | None, description="Where the goods go."
    )
    attributes: Sequence[model.Attribute] = strawberry.field(
        graphql_type=list[Attribute], description="The order's attributes."
    )
    references: Sequence[str] = strawberry.field(
        graphql_type=list[str],
        description="Ids of related orders at the same vendor (e.g. a return's original).",
    )
    store_id: str | None = strawberry.field(description="The store's external id.")
    website_id: int | None = strawberry.field(description="ExpertSender website id.")
    channel: str | None = strawberry.field(description="Sales channel, e.g. Ecom or Store.")
    version_tag: str | None = strawberry.field(
        description="Engage's token for the current version (needed for order actions)."
    )
    is_deleted: bool = strawberry.field(
        description="True for an order the vendor keeps as deleted (ExpertSender soft delete)."
    )
    contact_id: str | None = strawberry.field(
        description="The vendor's id of the order's contact, once the vendor resolved it."
    )
    record: strawberry.Private[model.Order]

    @classmethod
    def of(cls, vendor: Vendor, order: model.Order) -> Order:
        contact_id = order.contact_id or order.contact.contact_id
        return cls(
            id=strawberry.ID(encode_id(NodeType.ORDER, vendor, order.order_id)),
            vendor=vendor,
            order_id=order.order_id,
            status=order.status,
            vendor_status=order.vendor_status,
            external_status=order.external_status,
            type=order.type,
            created_at=order.created_at,
            last_changed_at=order.last_changed_at,
            contact_type=order.contact_type,
            time_zone=order.time_zone,
            currency=order.currency,
            total=order.total,
            returns_value=order.returns_value,
            lines=order.lines,
            payments=order.payments,
            discounts=order.discounts,
            fees=order.fees,
            taxes=order.taxes,
            delivery=order.delivery,
            billing_address=order.billing_address,
            shipping_address=order.shipping_address,
            attributes=order.attributes,
            references=order.references,
            store_id=order.store_id,
            website_id=order.website_id,
            channel=order.channel,
            version_tag=order.version_tag,
            is_deleted=order.is_deleted,
            contact_id=contact_id,
            record=order,
        )

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The contact the order belongs to, if the vendor knows one.",
        graphql_type=Optional[Annotated["Contact", strawberry.lazy("gateway.schema.contact")]],  # noqa: UP045 - a runtime type expression
    )
    def contact(self, info: GatewayInfo) -> Contact | Awaitable[Contact | None] | None:
        # Not a coroutine when the request already read the contact (a contact's page of
        # orders names it on every order): an awaitable for each of them would cost a task
        # and an awaited completion per order, for a value that is at hand.
        from gateway.schema.contact import Contact

        if self.contact_id:
            known = info.context.loaders.known_contact(self.vendor, self.contact_id)
            if known is not None:
                return Contact.of(known)
        return self._load_contact(info)

    async def _load_contact(self, info: GatewayInfo) -> Contact | None:
        from gateway.schema.contact import Contact

        loaders = info.context.loaders
        if self.contact_id:
            found = await loaders.contact(self.vendor, self.contact_id)
        else:
            try:
                found = await loaders.contact_by_ref(self.vendor, self.record.contact)
            except BadUserInput:
                # The stored order names its contact ambiguously: there is no one contact.
                found = None
        return Contact.of(found) if found is not None else None

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The orders named in this order's references that the vendor still holds."
    )
    async def linked_orders(self, info: GatewayInfo) -> list[Order]:
        keys = [(self.vendor, reference) for reference in dict.fromkeys(self.references)]
        found = await info.context.loaders.orders.load_many(keys)
        return [Order.of(self.vendor, order) for order in found if order is not None]
