"""A short-lived read cache for orders and contacts, shared by every request of a process.

Per-request loaders de-duplicate within one request; this cache serves repeated reads across
requests for a few seconds. Writes and job completions invalidate what they change, so the TTL
only bounds staleness from changes made outside the gateway. ``enabled=False`` turns it into a
pass-through (benchmarks compare both).

Past its TTL an entry may still be served for ``stale_s`` seconds while one refresh runs in the
background (stale-while-revalidate): a popular order costs one vendor call per TTL however many
clients read it, and none of them waits for the vendor. An invalidation removes the entry
outright, so a write made through the gateway is never answered from before it.

Each section also holds the reads of its keys in flight (``InFlightReads``): an invalidation
detaches them too, and an answer fetched before a write is never stored after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import TTLCache

from adapters.model import Contact, Order, OrderPage, Vendor
from gateway.inflight import InFlightReads

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CacheStats:
    hits: int
    misses: int
    size: int
    stale_hits: int = 0


Key = tuple[Vendor, str]
# A contact's order page: vendor, contact id, page size, cursor.
PageKey = tuple[Vendor, str, int, str | None]
# Called with the key of a stale entry that was served: start one refresh of it.
Refresher = Callable[[Key], None]
# How long an invalidation is remembered, to refuse an answer fetched before it: longer than
# any vendor call with its retries takes.
_INVALIDATION_MEMORY_S = 300.0


class _Invalidations(TTLCache[Key, int]):
    """When each key was last invalidated (an epoch); ``floor`` covers the keys pushed out."""

    floor = 0

    def popitem(self) -> tuple[Key, int]:
        key, epoch = super().popitem()
        self.floor = max(self.floor, epoch)
        return key, epoch


class _Section(Generic[T]):
    def __init__(self, *, maxsize: int, ttl_s: float, enabled: bool, stale_s: float) -> None:
        self.enabled = enabled and maxsize > 0 and ttl_s > 0
        self._ttl_s = ttl_s
        # Entries are (value, fresh until): kept for the TTL plus the stale allowance.
        self._items: TTLCache[Key, tuple[T, float]] = TTLCache(
            maxsize=max(maxsize, 1), ttl=max(ttl_s + max(stale_s, 0.0), 1e-9)
        )
        self._invalidated = _Invalidations(maxsize=max(maxsize, 1), ttl=_INVALIDATION_MEMORY_S)
        self._epoch = 0
        self.reads: InFlightReads[Key, object] = InFlightReads()
        self.refresher: Refresher | None = None
        self.hits = 0
        self.misses = 0
        self.stale_hits = 0

    def get(self, vendor: Vendor, key: str) -> T | None:
        if not self.enabled:
            return None
        entry = self._items.get((vendor, key))
        if entry is None:
            self.misses += 1
            return None
        value, fresh_until = entry
        self.hits += 1
        if fresh_until < time.monotonic():
            self.stale_hits += 1
            if self.refresher is not None and (vendor, key) not in self.reads:
                self.refresher((vendor, key))
        return value

    def put(self, vendor: Vendor, key: str, value: T, *, since: int | None = None) -> None:
        """Store ``value``; with ``since`` (an ``epoch()`` taken before it was fetched) only if
        the key was not invalidated after that."""
        if not self.enabled:
            return
        if since is not None and (
            since < self._invalidated.floor or self._invalidated.get((vendor, key), -1) > since
        ):
            return
        self._items[(vendor, key)] = (value, time.monotonic() + self._ttl_s)

    def epoch(self) -> int:
        return self._epoch

    def invalidate(self, vendor: Vendor, key: str) -> None:
        self._epoch += 1
        self._invalidated[(vendor, key)] = self._epoch
        self._items.pop((vendor, key), None)
        self.reads.forget((vendor, key))

    def clear(self) -> None:
        # Everything fetched before now predates whatever made us clear.
        self._epoch += 1
        self._invalidated.clear()
        self._invalidated.floor = self._epoch
        self._items.clear()
        self.reads.forget_all()

    def __len__(self) -> int:
        return len(self._items)


class ReadCache:
    """Orders by ``(vendor, orderId)`` and contacts by ``(vendor, contactId)``.

    Unknown ids are not cached: an order created a moment later must show up at once.
    """

    def __init__(
        self,
        *,
        maxsize: int = 10_000,
        ttl_s: float = 5.0,
        enabled: bool = True,
        stale_s: float = 0.0,
    ) -> None:
        self._orders: _Section[Order] = _Section(
            maxsize=maxsize, ttl_s=ttl_s, enabled=enabled, stale_s=stale_s
        )
        self._contacts: _Section[Contact] = _Section(
            maxsize=maxsize, ttl_s=ttl_s, enabled=enabled, stale_s=stale_s
        )
        # A contact's order pages being read, by (vendor, contact id, size, cursor): any
        # change of an order detaches them, since the page may hold it.
        self.page_reads: InFlightReads[PageKey, OrderPage] = InFlightReads()

    @property
    def enabled(self) -> bool:
        return self._orders.enabled

    @property
    def order_reads(self) -> InFlightReads[Key, object]:
        """Order reads in flight, shared by every request (whether or not caching is on)."""
        return self._orders.reads

    @property
    def contact_reads(self) -> InFlightReads[Key, object]:
        return self._contacts.reads

    def refresh_stale_with(self, orders: Refresher | None, contacts: Refresher | None) -> None:
        """Who refreshes a stale entry that was served (without one it is served until it
        expires)."""
        self._orders.refresher = orders
        self._contacts.refresher = contacts

    def epoch(self) -> int:
        """A mark to pass as ``since`` when storing what is fetched after it."""
        return self._orders.epoch()

    def get_order(self, vendor: Vendor, order_id: str) -> Order | None:
        return self._orders.get(vendor, order_id)

    def put_order(self, vendor: Vendor, order: Order, *, since: int | None = None) -> None:
        self._orders.put(vendor, order.order_id, order, since=since)

    def put_orders(
        self, vendor: Vendor, orders: Iterable[Order], *, since: int | None = None
    ) -> None:
        for order in orders:
            self.put_order(vendor, order, since=since)

    def invalidate_order(self, vendor: Vendor, order_id: str) -> None:
        self._orders.invalidate(vendor, order_id)
        self.page_reads.forget_all()

    def get_contact(self, vendor: Vendor, contact_id: str) -> Contact | None:
        return self._contacts.get(vendor, contact_id)

    def put_contact(self, contact: Contact) -> None:
        self._contacts.put(contact.vendor, contact.contact_id, contact)

    def invalidate_contact(self, vendor: Vendor, contact_id: str) -> None:
        self._contacts.invalidate(vendor, contact_id)

    def clear(self) -> None:
        self._orders.clear()
        self._contacts.clear()
        self.page_reads.forget_all()

    def stats(self) -> CacheStats:
        return CacheStats(
            hits=self._orders.hits + self._contacts.hits,
            misses=self._orders.misses + self._contacts.misses,
            size=len(self._orders) + len(self._contacts),
            stale_hits=self._orders.stale_hits + self._contacts.stale_hits,
        )

    async def aclose_reads(self) -> None:
        """Cancel the vendor reads still running (shutdown)."""
        for reads in (self.order_reads, self.contact_reads, self.page_reads):
            await reads.aclose()
