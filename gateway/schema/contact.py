"""The ``Contact`` node and its orders connection."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError

from adapters import model
from adapters.errors import ClientError, UpstreamError
from adapters.model import OrderPage, Vendor
from gateway.errors import BadUserInput, UnsupportedByVendorError, upstream_failure
from gateway.ids import NodeType, encode_id
from gateway.schema.info import GatewayInfo
from gateway.schema.node import Node
from gateway.schema.order import Order
from gateway.schema.pagination import OrderCursor, PageInfo, check_first
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
            page_info=PageInfo(
                has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
            ),
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
            "GraphQL error with code UNSUPPORTED_BY_VENDOR at this field's path."
        )
    )
    async def orders(
        self,
        info: GatewayInfo,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"How many orders to return (0 to {MAX_ORDERS_PAGE}; null means 10)."
            ),
        ] = 10,
        after: Annotated[
            str | None, strawberry.argument(description="Return the orders after this cursor.")
        ] = None,
    ) -> OrderConnection:
        first = 10 if first is None else first
        check_first(first, maximum=MAX_ORDERS_PAGE)
        context = info.context
        backend = context.services.backend(self.vendor)
        if not backend.capabilities.list_by_contact:
            # An error instead of the whole contact: the connection is non-null, and a null
            # here would wipe out the contact's other fields the client asked for.
            unsupported = UnsupportedByVendorError(
                f"{self.vendor.value} cannot list a contact's orders", vendor=self.vendor
            )
            context.deferred_errors.append(
                GraphQLError(
                    unsupported.message,
                    path=info.path.as_list(),
                    original_error=unsupported,
                    extensions=unsupported.extensions,
                )
            )
            return OrderConnection.empty()
        cursor = OrderCursor.decode(after) if after is not None else OrderCursor(None, 0)
        if first == 0:
            page = OrderPage(orders=())
        else:
            try:
                page = await read_page(
                    context.services,
                    self.vendor,
                    self.contact_id,
                    first=min(cursor.skip + first, MAX_ORDERS_PAGE),
                    after=cursor.page_token,
                )
            except UpstreamError as exc:
                context.services.record_vendor_error(
                    exc, "Listing orders failed", vendor=self.vendor, contact_id=self.contact_id
                )
                raise upstream_failure(exc) from None
            except ClientError as exc:
                raise BadUserInput(exc.message, code=exc.code, vendor=self.vendor) from None
        context.loaders.prime_orders(self.vendor, page.orders, cache=False)
        return _connection(self.vendor, page, cursor, first, after is not None)


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
    has_next = cursor.skip + first < len(page.orders) or (
        page.next_cursor is not None and first > 0
    )
    return OrderConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=resumed or page.previous_cursor is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total_count,
    )
