"""Relay paging: ``PageInfo`` and the cursors of a contact's order list.

A vendor pages with its own opaque token (``OrderPage.next_cursor``). An edge cursor is
``(page token, index in page)``; resuming after edge ``i`` re-reads that page and skips ``i + 1``
orders. The last edge of a page that has a next page carries the vendor's next token instead,
so walking page by page with ``endCursor`` costs exactly one vendor call per page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import orjson
import strawberry

from gateway.errors import BadUserInput


@strawberry.type(description="Where a page sits in a Relay connection.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(
        description="The cursor of the first edge, or null for an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last edge; pass it as `after` for the next page."
    )


class Edge(Protocol):
    @property
    def cursor(self) -> str: ...


def page_info(edges: Sequence[Edge], *, has_next: bool, has_previous: bool) -> PageInfo:
    """A page's ``PageInfo``: its first and last edges' cursors (none for an empty page)."""
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


@dataclass(frozen=True, slots=True)
class OrderCursor:
    """Resume point: the vendor page token to read, and how many of its orders to skip."""

    page_token: str | None
    skip: int

    def encode(self) -> str:
        raw = orjson.dumps({"p": self.page_token, "s": self.skip})
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> OrderCursor:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            data = orjson.loads(raw)
        except (binascii.Error, ValueError, orjson.JSONDecodeError):
            raise BadUserInput(f"Invalid cursor {cursor[:64]!r}") from None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("s"), int)
            or data["s"] < 0
            or not isinstance(data.get("p"), str | None)
        ):
            raise BadUserInput(f"Invalid cursor {cursor[:64]!r}")
        return cls(page_token=data["p"], skip=data["s"])


def check_first(first: int, *, maximum: int, name: str = "first") -> None:
    if not 0 <= first <= maximum:
        raise BadUserInput(f"`{name}` must be between 0 and {maximum}, got {first}")
