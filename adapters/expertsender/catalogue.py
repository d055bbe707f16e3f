"""The unit's attribute catalogue (``GET /orderattributes``, ``GET /productattributes``, §2, §8):
an order naming an attribute outside it is refused before it is sent, naming the attribute.

ECDP documents that attribute names must be defined in the unit's settings but not how it
refuses one that is not; checking against the catalogue the vendor does document gives the
client the same clear answer whatever the vendor's error looks like. The catalogue is read
once per ``ttl_s``; when it cannot be read, nothing is refused here (the vendor still decides).
Names are compared without regard to case, so nothing the vendor might accept is refused.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

import httpx

from adapters.errors import FieldError, UpstreamError
from adapters.model import Attribute, Order
from adapters.transport import response_json

ORDER_ATTRIBUTES_PATH = "/orderattributes"
PRODUCT_ATTRIBUTES_PATH = "/productattributes"
UNKNOWN_ATTRIBUTE = "UnknownAttribute"

Get = Callable[[str], Awaitable[httpx.Response]]


class AttributeCatalogue:
    def __init__(self, get: Get, *, ttl_s: float = 300.0) -> None:
        self._get = get
        self._ttl_s = ttl_s
        self._names: tuple[frozenset[str], frozenset[str]] | None = None
        self._read_at = 0.0

    async def unknown(self, order: Order) -> tuple[FieldError, ...]:
        """A field error for every attribute name the unit does not define."""
        if not order.attributes and not any(line.attributes for line in order.lines):
            return ()
        names = await self._current()
        if names is None:
            return ()
        order_names, product_names = names
        found = list(_outside(order.attributes, order_names, ("attributes",), "an order"))
        for index, line in enumerate(order.lines):
            found += _outside(
                line.attributes, product_names, ("lines", str(index), "attributes"), "a product"
            )
        return tuple(found)

    async def _current(self) -> tuple[frozenset[str], frozenset[str]] | None:
        if self._names is not None and time.monotonic() - self._read_at < self._ttl_s:
            return self._names
        try:
            order_names = await self._read(ORDER_ATTRIBUTES_PATH)
            product_names = await self._read(PRODUCT_ATTRIBUTES_PATH)
        except UpstreamError:
            return None
        if order_names is None or product_names is None:
            return None
        self._names, self._read_at = (order_names, product_names), time.monotonic()
        return self._names

    async def _read(self, path: str) -> frozenset[str] | None:
        response = await self._get(path)
        if response.status_code != 200:
            return None
        try:
            body = response_json(response)
        except ValueError:
            return None
        items = body.get("data") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return None
        return frozenset(
            item["name"].casefold()
            for item in items
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        )


def _outside(
    attributes: Sequence[Attribute], known: frozenset[str], base: tuple[str, ...], kind: str
) -> list[FieldError]:
    return [
        FieldError(
            (*base, str(index), "name"),
            f"{attribute.name!r} is not {kind} attribute defined for this ExpertSender unit",
            UNKNOWN_ATTRIBUTE,
        )
        for index, attribute in enumerate(attributes)
        if attribute.name.casefold() not in known
    ]
