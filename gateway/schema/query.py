"""``Query``: reads of orders, contacts, jobs, the integration log and the vendors."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from adapters import model
from adapters.model import ContactRef, Vendor
from adapters.model import Order as OrderModel
from gateway.errors import BadUserInput, InvalidGlobalId, InvalidId, to_camel
from gateway.ids import GlobalId, NodeType, decode_id
from gateway.log import InvalidLogCursor
from gateway.schema.contact import Contact
from gateway.schema.info import GatewayInfo
from gateway.schema.job import Job
from gateway.schema.log_entry import (
    IntegrationLogConnection,
    IntegrationLogEdge,
    IntegrationLogEntry,
    IntegrationLogFilter,
    log_filter_of,
)
from gateway.schema.node import Node
from gateway.schema.order import Order
from gateway.schema.pagination import check_first, page_info
from gateway.schema.vendor import VendorInfo

MAX_ORDER_IDS = 100
MAX_LOG_PAGE = 500


def _decode(raw: str, expect: NodeType | None = None) -> GlobalId:
    try:
        return decode_id(raw, expect=expect)
    except InvalidGlobalId as exc:
        raise InvalidId(str(exc)) from None


def _require(value: str, name: str) -> None:
    if not value.strip():
        raise BadUserInput(f"`{name}` must not be empty")


def _order_or_error(vendor: Vendor, found: OrderModel | BaseException | None) -> Order | None:
    """An item of a list of orders; an ``Exception`` becomes that item's GraphQL error."""
    if isinstance(found, BaseException):
        if not isinstance(found, Exception):
            raise found
        return found  # type: ignore[return-value]
    return Order.of(vendor, found) if found is not None else None


async def load_job(info: GatewayInfo, global_id: GlobalId) -> Job | None:
    assert global_id.vendor is not None
    info.context.services.backend(global_id.vendor)
    found = await info.context.loaders.job(global_id.vendor, global_id.key)
    return Job.of(found) if found is not None else None


@strawberry.type(description="Reads across both vendors.")
class Query:
    @strawberry.field(description="One order by vendor and order id; null if unknown.")  # type: ignore[untyped-decorator]
    async def order(
        self,
        info: GatewayInfo,
        vendor: Annotated[Vendor, strawberry.argument(description="Where the order is.")],
        order_id: Annotated[str, strawberry.argument(description="The order's id.")],
        contact_id: Annotated[
            str | None,
            strawberry.argument(
                description=(
                    "Only if the order belongs to this contact (the vendor's contact id): "
                    "another contact's order is null, as Engage's own ownership check answers."
                )
            ),
        ] = None,
    ) -> Order | None:
        _require(order_id, "orderId")
        info.context.services.backend(vendor)
        found = await info.context.loaders.order(vendor, order_id)
        if found is None or not belongs_to(found, contact_id):
            return None
        return Order.of(vendor, found)

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            f"Several orders of one vendor (at most {MAX_ORDER_IDS}) in the order asked, null "
            "where unknown; read in one batch."
        )
    )
    async def orders(
        self,
        info: GatewayInfo,
        vendor: Annotated[Vendor, strawberry.argument(description="Where the orders are.")],
        order_ids: Annotated[list[str], strawberry.argument(description="The orders' ids.")],
    ) -> list[Order | None]:
        if len(order_ids) > MAX_ORDER_IDS:
            raise BadUserInput(f"`orderIds` may hold at most {MAX_ORDER_IDS} ids")
        for order_id in order_ids:
            _require(order_id, "orderIds")
        info.context.services.backend(vendor)
        loader = info.context.loaders.orders
        # One batch; an id that could not be read is null with its own error (its path is
        # the item's), the others are answered.
        found = await asyncio.gather(
            *(loader.load((vendor, order_id)) for order_id in order_ids), return_exceptions=True
        )
        return [_order_or_error(vendor, order) for order in found]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "One contact, found by exactly one key: the vendor's contactId, email, phone or "
            "externalId. Null if nobody matches."
        )
    )
    async def contact(
        self,
        info: GatewayInfo,
        vendor: Annotated[Vendor, strawberry.argument(description="Where the contact is.")],
        contact_id: Annotated[
            str | None, strawberry.argument(description="The vendor's contact id.")
        ] = None,
        email: Annotated[str | None, strawberry.argument(description="Email address.")] = None,
        phone: Annotated[str | None, strawberry.argument(description="Mobile phone.")] = None,
        external_id: Annotated[
            str | None, strawberry.argument(description="The client's own id of the contact.")
        ] = None,
    ) -> Contact | None:
        keys = {
            "contactId": contact_id,
            "email": email,
            "phone": phone,
            "externalId": external_id,
        }
        given = [name for name, value in keys.items() if value is not None]
        if len(given) != 1:
            raise BadUserInput(
                "Give exactly one of contactId, email, phone or externalId"
                + (f" (got {', '.join(given)})" if given else "")
            )
        _require(keys[given[0]] or "", given[0])
        info.context.services.backend(vendor)
        loaders = info.context.loaders
        if contact_id is not None:
            found = await loaders.contact(vendor, contact_id)
        else:
            found = await loaders.contact_by_ref(
                vendor, ContactRef(email=email, phone=phone, external_id=external_id)
            )
        return Contact.of(found) if found is not None else None

    @strawberry.field(description="One job by its global id; null if unknown.")  # type: ignore[untyped-decorator]
    async def job(
        self,
        info: GatewayInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The job's global id.")],
    ) -> Job | None:
        return await load_job(info, _decode(id, NodeType.JOB))

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The integration log, newest first: every warning and error the gateway saw."
    )
    async def integration_log(
        self,
        info: GatewayInfo,
        filter: Annotated[
            IntegrationLogFilter | None,
            strawberry.argument(description="Only entries matching this filter."),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"How many entries (0 to {MAX_LOG_PAGE}; null means 50)."
            ),
        ] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="Return the entries after (older than) this cursor."),
        ] = None,
    ) -> IntegrationLogConnection:
        first = 50 if first is None else first
        check_first(first, maximum=MAX_LOG_PAGE)
        try:
            page = await info.context.services.log.query(log_filter_of(filter), first, after)
        except InvalidLogCursor as exc:
            raise BadUserInput(str(exc)) from None
        edges = [
            IntegrationLogEdge(cursor=cursor, node=IntegrationLogEntry.of(entry))
            for entry, cursor in zip(page.entries, page.cursors, strict=True)
        ]
        return IntegrationLogConnection(
            edges=edges,
            page_info=page_info(
                edges, has_next=page.has_next_page, has_previous=page.has_previous_page
            ),
            total_count=page.total_count,
        )

    @strawberry.field(description="Every vendor: how it is reached and what it can do.")  # type: ignore[untyped-decorator]
    def vendors(self, info: GatewayInfo) -> list[VendorInfo]:
        services = info.context.services
        result = []
        for vendor in Vendor:
            status = services.vendor_info.get(vendor)
            backend = services.backends.get(vendor)
            capabilities = backend.capabilities.names() if backend is not None else []
            result.append(
                VendorInfo(
                    vendor=vendor,
                    configured=status.configured if status else False,
                    sandbox=status.sandbox if status else False,
                    capabilities=[to_camel(name) for name in capabilities],
                )
            )
        return result

    @strawberry.field(description="Any object by its global id; null if it no longer exists.")  # type: ignore[untyped-decorator]
    async def node(
        self,
        info: GatewayInfo,
        id: Annotated[strawberry.ID, strawberry.argument(description="The object's global id.")],
    ) -> Node | None:
        global_id = _decode(id)
        loaders = info.context.loaders
        if global_id.node_type is NodeType.JOB:
            return await load_job(info, global_id)
        if global_id.node_type is NodeType.LOG_ENTRY:
            entry = await info.context.services.log.get(global_id.key)
            return IntegrationLogEntry.of(entry) if entry is not None else None
        vendor = global_id.vendor
        assert vendor is not None
        info.context.services.backend(vendor)
        if global_id.node_type is NodeType.ORDER:
            order = await loaders.order(vendor, global_id.key)
            return Order.of(vendor, order) if order is not None else None
        contact = await loaders.contact(vendor, global_id.key)
        return Contact.of(contact) if contact is not None else None


def belongs_to(order: model.Order, contact_id: str | None) -> bool:
    """No contact asked for, or the order's own contact is the one asked for (ids compared
    without regard to case: Engage's are GUIDs)."""
    if contact_id is None:
        return True
    owner = order.contact_id or order.contact.contact_id
    return owner is not None and owner.casefold() == contact_id.strip().casefold()
