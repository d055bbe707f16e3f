"""Paging a contact's orders backwards (``last`` / ``before``) over a vendor that pages forwards.

A vendor page comes with the token of the previous page (Engage's documented ``previous``
link); an edge cursor is ``(page token, index + 1)`` as for forward paging, so the orders before
an edge are the ones earlier in its page, then those of the previous pages, read one vendor call
per page. ``last`` without ``before`` starts from the end of the list, which the vendor only
reaches page by page from the front: it walks at most ``MAX_PAGES_WALKED`` pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from adapters.model import Order, OrderPage
from gateway.errors import BadUserInput
from gateway.schema.pagination import OrderCursor

MAX_PAGES_WALKED = 10
# The page size asked for when walking to the end of the list.
WALK_PAGE_SIZE = 100

# Reads one vendor page: (page token or None for the first page, size of a first page).
PageReader = Callable[[str | None, int], Awaitable[OrderPage]]


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order: Order
    cursor: OrderCursor


@dataclass(frozen=True, slots=True)
class BackwardPage:
    orders: list[PlacedOrder]
    has_previous: bool
    has_next: bool
    total_count: int | None


def _placed(page: OrderPage, token: str | None) -> list[PlacedOrder]:
    last_index = len(page.orders) - 1
    placed = []
    for index, order in enumerate(page.orders):
        if index == last_index and page.next_cursor is not None:
            cursor = OrderCursor(page.next_cursor, 0)
        else:
            cursor = OrderCursor(token, index + 1)
        placed.append(PlacedOrder(order, cursor))
    return placed


async def orders_before(read: PageReader, before: OrderCursor, last: int) -> BackwardPage:
    """The ``last`` orders before the edge whose cursor is ``before``."""
    page = await read(before.page_token, max(before.skip, 1))
    if before.skip > len(page.orders):
        raise BadUserInput("The `before` cursor points past the end of its page")
    # Everything up to the edge, the edge itself included (dropped below). A cursor at the
    # start of a page stands for the previous page's last edge.
    collected = _placed(page, before.page_token)[: before.skip]
    pages = 1
    while len(collected) < last + 1 and page.previous_cursor is not None:
        if pages >= MAX_PAGES_WALKED:
            break
        token = page.previous_cursor
        page = await read(token, WALK_PAGE_SIZE)
        collected = [*_placed(page, token), *collected]
        pages += 1
    before_edge = collected[:-1]
    shown = before_edge[-last:] if last else []
    has_previous = len(before_edge) > len(shown) or page.previous_cursor is not None
    return BackwardPage(shown, has_previous, True, page.total_count)


async def last_orders(read: PageReader, last: int) -> BackwardPage:
    """The ``last`` orders of the whole list, walking to its end from the first page."""
    token: str | None = None
    page = await read(None, WALK_PAGE_SIZE)
    tail = _placed(page, None)
    pages = 1
    while page.next_cursor is not None:
        if pages >= MAX_PAGES_WALKED:
            raise BadUserInput(
                f"`last` without `before` reads the list from its start, and this contact has "
                f"more than {MAX_PAGES_WALKED * WALK_PAGE_SIZE} orders: page with "
                "`first`/`after`, or pass `before`"
            )
        token = page.next_cursor
        page = await read(token, WALK_PAGE_SIZE)
        tail = [*tail[-last:], *_placed(page, token)]
        pages += 1
    shown = tail[-last:] if last else []
    return BackwardPage(shown, len(tail) > len(shown), False, page.total_count)
