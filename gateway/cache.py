"""A short-lived read cache for orders and contacts, shared by every request of a process.

Per-request loaders de-duplicate within one request; this cache serves repeated reads across
requests for a few seconds. Writes and job completions invalidate what they change, so the TTL
only bounds staleness from changes made outside the gateway. ``enabled=False`` turns it into a
pass-through (benchmarks compare both).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import TTLCache

from adapters.model import Contact, Order, Vendor
from gateway.defaults import DEFAULT_CACHE_MAXSIZE, DEFAULT_CACHE_TTL_S

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CacheStats:
    hits: int
    misses: int
    size: int


class _Section(Generic[T]):
    def __init__(self, *, maxsize: int, ttl_s: float, enabled: bool) -> None:
        self.enabled = enabled and maxsize > 0 and ttl_s > 0
        self._items: TTLCache[tuple[Vendor, str], T] = TTLCache(
            maxsize=max(maxsize, 1), ttl=max(ttl_s, 1e-9)
        )
        self.hits = 0
        self.misses = 0

    def get(self, vendor: Vendor, key: str) -> T | None:
        if not self.enabled:
            return None
        value = self._items.get((vendor, key))
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, vendor: Vendor, key: str, value: T) -> None:
        if self.enabled:
            self._items[(vendor, key)] = value

    def invalidate(self, vendor: Vendor, key: str) -> None:
        self._items.pop((vendor, key), None)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class ReadCache:
    """Orders by ``(vendor, orderId)`` and contacts by ``(vendor, contactId)``.

    Unknown ids are not cached: an order created a moment later must show up at once.
    """

    def __init__(
        self,
        *,
        maxsize: int = DEFAULT_CACHE_MAXSIZE,
        ttl_s: float = DEFAULT_CACHE_TTL_S,
        enabled: bool = True,
    ) -> None:
        self._orders: _Section[Order] = _Section(maxsize=maxsize, ttl_s=ttl_s, enabled=enabled)
        self._contacts: _Section[Contact] = _Section(maxsize=maxsize, ttl_s=ttl_s, enabled=enabled)

    @property
    def enabled(self) -> bool:
        return self._orders.enabled

    def get_order(self, vendor: Vendor, order_id: str) -> Order | None:
        return self._orders.get(vendor, order_id)

    def put_order(self, vendor: Vendor, order: Order) -> None:
        self._orders.put(vendor, order.order_id, order)

    def put_orders(self, vendor: Vendor, orders: Iterable[Order]) -> None:
        for order in orders:
            self.put_order(vendor, order)

    def invalidate_order(self, vendor: Vendor, order_id: str) -> None:
        self._orders.invalidate(vendor, order_id)

    def get_contact(self, vendor: Vendor, contact_id: str) -> Contact | None:
        return self._contacts.get(vendor, contact_id)

    def put_contact(self, contact: Contact) -> None:
        self._contacts.put(contact.vendor, contact.contact_id, contact)

    def invalidate_contact(self, vendor: Vendor, contact_id: str) -> None:
        self._contacts.invalidate(vendor, contact_id)

    def clear(self) -> None:
        self._orders.clear()
        self._contacts.clear()

    async def aclose(self) -> None:
        """Nothing to release in one process; a shared cache stops its broadcasting."""

    def stats(self) -> CacheStats:
        return CacheStats(
            hits=self._orders.hits + self._contacts.hits,
            misses=self._orders.misses + self._contacts.misses,
            size=len(self._orders) + len(self._contacts),
        )
