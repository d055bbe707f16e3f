"""The ``Contact`` node and its orders connection."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from adapters import model
from adapters.errors import ClientError, UnsupportedByVendor, UpstreamError
from adapters.model import OrderPage, Vendor
from gateway.errors import BadUserInput, field_failure, upstream_failure
from gateway.ids import NodeType, encode_id
from gateway.schema.info import GatewayInfo
from gateway.schema.node import Node
from gateway.schema.order import Order
from gateway.schema.order_paging import last_orders, orders_before
from gateway.schema.pagination import OrderCursor, PageInfo, check_first, page_info
from gateway.vendor_reads import read_page

MAX_ORDERS_PAGE = 100


@strawberry.type(description="One order in a contact's order list, with its cursor.")
class OrderEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this order.")
    node: Order = strawberry.field(description="The order.")


@strawberry.type(description="A page of a contact's orders (Relay cursor connection).")
class OrderConnection:
    edges: list[OrderEdge] = strawberry.field(description="The orders of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    total_count: int | None = strawberry.field(
        description="How many orders the contact has in all, if the vendor says."
    )

    @classmethod
    def empty(cls) -> OrderConnection:
        return cls(
            edges=[],
            page_info=page_info([], has_next=False, has_previous=False),
            total_count=None,
        )


@strawberry.type(description="A customer as one vendor knows them.")
class Contact(Node):
    vendor: Vendor = strawberry.field(description="The vendor that holds the contact.")
    contact_id: str = strawberry.field(description="The vendor's id of the contact.")
    email: str | None = strawberry.field(description="Email address.")
    phone: str | None = strawberry.field(description="Mobile phone number.")
    external_id: str | None = strawberry.field(
        description="The client's own id of the contact (Engage externalId, ExpertSender crmId)."
    )
    first_name: str | None = strawberry.field(description="Given name.")
    last_name: str | None = strawberry.field(description="Family name.")

    @classmethod
    def of(cls, contact: model.Contact) -> Contact:
        return cls(
            id=strawberry.ID(encode_id(NodeType.CONTACT, contact.vendor, contact.contact_id)),
            vendor=contact.vendor,
            contact_id=contact.contact_id,
            email=contact.email,
            phone=contact.phone,
            external_id=contact.external_id,
            first_name=contact.first_name,
            last_name=contact.last_name,
        )

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "The contact's orders, newest first as the vendor lists them. A vendor without "
            "the listByContact capability (ExpertSender) answers an empty connection plus a "
            "GraphQL error with code UNSUPPORTED_BY_VENDOR at this field's path; so does a "
            "bad argument or cursor (code BAD_USER_INPUT), so the contact's other fields "
            "stay. Pages forward with `first`/`after` and backward with `last`/`before` "
            "(Engage links each page to the previous one)."
        )
    )
    async def orders(
        self,
        info: GatewayInfo,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=(
                    f"How many orders to return (0 to {MAX_ORDERS_PAGE}; null means 10). "
                    "Ignored when `last` or `before` is given."
                )
            ),
        ] = 10,
        after: Annotated[
            str | None, strawberry.argument(description="Return the orders after this cursor.")
        ] = None,
        last: Annotated[
            int | None,
            strawberry.argument(
                description=(
                    f"How many orders to return from the end (0 to {MAX_ORDERS_PAGE}); with "
                    "`before`, the ones just before that cursor. Without `before` the list is "
                    "read from its start."
                )
            ),
        ] = None,
        before: Annotated[
            str | None,
            strawberry.argument(
                description="Return the orders before this cursor (pair it with `last`)."
            ),
        ] = None,
    ) -> OrderConnection:
        context = info.context
        backend = context.services.backend(self.vendor)
        try:
            if not backend.capabilities.list_by_contact:
                raise UnsupportedByVendor(
                    f"{self.vendor.value} cannot list a contact's orders", vendor=self.vendor
                )
            if last is not None or before is not None:
                return await self._orders_backward(info, last, after, before)
            return await self._orders_forward(info, first, after)
        except (BadUserInput, UnsupportedByVendor) as exc:
            # An error at this field instead of a null contact: the connection is non-null,
            # and a null here would wipe out the contact's other fields the client asked for.
            error = exc if isinstance(exc, BadUserInput) else field_failure(exc)
            context.deferred_errors.append(
                GraphQLError(
                    error.message,
                    path=info.path.as_list(),
                    original_error=error,
                    extensions=error.extensions,
                )
            )
            return OrderConnection.empty()

    async def _read_page(self, info: GatewayInfo, token: str | None, size: int) -> OrderPage:
        context = info.context
        try:
            # The read cache's page, or one vendor read shared by every request asking for it.
            page = await read_page(
                context.services,
                self.vendor,
                self.contact_id,
                first=min(size, MAX_ORDERS_PAGE),
                after=token,
            )
        except UpstreamError as exc:
            context.services.record_vendor_error(
                exc, "Listing orders failed", vendor=self.vendor, contact_id=self.contact_id
            )
            raise upstream_failure(exc) from None
        except ClientError as exc:
            raise BadUserInput(exc.message, code=exc.code, vendor=self.vendor) from None
        # The cache took the page's orders with the page (only if it is current).
        context.loaders.prime_orders(self.vendor, page.orders, cache=False)
        return page

    async def _orders_forward(
        self, info: GatewayInfo, first: int | None, after: str | None
    ) -> OrderConnection:
        first = 10 if first is None else first
        check_first(first, maximum=MAX_ORDERS_PAGE)
        cursor = OrderCursor.decode(after) if after is not None else OrderCursor(None, 0)
        # An empty page still reads one order: whether more follow, and how many in all.
        page = await self._read_page(info, cursor.page_token, cursor.skip + max(first, 1))
        return _connection(self.vendor, page, cursor, first, after is not None)

    async def _orders_backward(
        self, info: GatewayInfo, last: int | None, after: str | None, before: str | None
    ) -> OrderConnection:
        if after is not None:
            raise BadUserInput("Pass `after` (forward) or `before` (backward), not both")
        if last is None:
            raise BadUserInput("`before` pages backward: pass `last` with it")
        check_first(last, maximum=MAX_ORDERS_PAGE, name="last")

        async def read(token: str | None, size: int) -> OrderPage:
            return await self._read_page(info, token, size)

        if before is not None:
            page = await orders_before(read, OrderCursor.decode(before), last)
        else:
            page = await last_orders(read, last)
        edges = [
            OrderEdge(cursor=placed.cursor.encode(), node=Order.of(self.vendor, placed.order))
            for placed in page.orders
        ]
        return OrderConnection(
            edges=edges,
            page_info=page_info(edges, has_next=page.has_next, has_previous=page.has_previous),
            total_count=page.total_count,
        )


def _connection(
    vendor: Vendor, page: OrderPage, cursor: OrderCursor, first: int, resumed: bool
) -> OrderConnection:
    shown = page.orders[cursor.skip : cursor.skip + first]
    last_index = len(page.orders) - 1
    edges = []
    for offset, order in enumerate(shown):
        index = cursor.skip + offset
        if index == last_index and page.next_cursor is not None:
            edge_cursor = OrderCursor(page.next_cursor, 0)
        else:
            edge_cursor = OrderCursor(cursor.page_token, index + 1)
        edges.append(OrderEdge(cursor=edge_cursor.encode(), node=Order.of(vendor, order)))
    has_next = cursor.skip + first < len(page.orders) or page.next_cursor is not None
    return OrderConnection(
        edges=edges,
        page_info=page_info(
            edges, has_next=has_next, has_previous=resumed or page.previous_cursor is not None
        ),
        total_count=page.total_count,
    )
