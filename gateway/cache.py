"""A short-lived read cache for orders, contacts and contacts' order pages, shared by every
request of a process.

Per-request loaders de-duplicate within one request; this cache serves repeated reads across
requests for a few seconds. Writes and job completions invalidate what they change, so the TTL
only bounds staleness from changes made outside the gateway. ``enabled=False`` turns it into a
pass-through (benchmarks compare both).

Past its TTL an entry may still be served for ``stale_s`` seconds while one refresh runs in the
background (stale-while-revalidate): a popular order costs one vendor call per TTL however many
clients read it, and none of them waits for the vendor. An invalidation removes the entry
outright, so a write made through the gateway is never answered from before it.

Each section also holds the reads of its keys in flight (``InFlightReads``): an invalidation
detaches them too, and an answer fetched before a write is never stored after it. A change of
one order drops the cached pages that hold it and the pages of its contact (it may have moved
into them); for an order the cache never saw, every page of its vendor. What it cannot see: a
write that moves a known order to another contact leaves that contact's cached page as it was
until the TTL ends.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from cachetools import LRUCache, TTLCache

from adapters.model import Contact, Job, JobOperation, Order, OrderPage, Vendor
from gateway.defaults import DEFAULT_CACHE_MAXSIZE, DEFAULT_CACHE_TTL_S
from gateway.inflight import InFlightReads

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CacheStats:
    hits: int
    misses: int
    size: int
    stale_hits: int = 0


Key = tuple[Vendor, str]
# Writes that change an order where it is: its place among its contact's orders stays.
IN_PLACE = frozenset({JobOperation.CHANGE_STATUS, JobOperation.ACTION})
# Called with the key of a stale entry that was served: start one refresh of it.
Refresher = Callable[[Key], None]


class _Section(Generic[T]):
    def __init__(self, *, maxsize: int, ttl_s: float, enabled: bool, stale_s: float) -> None:
        self.enabled = enabled and maxsize > 0 and ttl_s > 0
        self._ttl_s = ttl_s
        # Entries are (value, fresh until): kept for the TTL plus the stale allowance.
        self._items: TTLCache[Key, tuple[T, float]] = TTLCache(
            maxsize=max(maxsize, 1), ttl=max(ttl_s + max(stale_s, 0.0), 1e-9)
        )
        self.reads: InFlightReads[Key, Any] = InFlightReads()
        self.refresher: Refresher | None = None
        self.hits = 0
        self.misses = 0
        self.stale_hits = 0

    def peek(self, vendor: Vendor, key: str) -> T | None:
        """The entry, fresh or stale, without counting or refreshing it."""
        entry = self._items.get((vendor, key))
        return None if entry is None else entry[0]

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

    def put(self, vendor: Vendor, key: str, value: T) -> None:
        if self.enabled:
            self._items[(vendor, key)] = (value, time.monotonic() + self._ttl_s)

    def invalidate(self, vendor: Vendor, key: str) -> None:
        self._items.pop((vendor, key), None)
        self.reads.forget((vendor, key))

    def clear(self) -> None:
        self._items.clear()
        self.reads.forget_all()

    def __len__(self) -> int:
        return len(self._items)


def page_slot(contact_id: str, first: int, after: str | None) -> str:
    """The cache key of one page of a contact's orders."""
    return f"{contact_id}\n{first}\n{after or ''}"


@dataclass(frozen=True, slots=True)
class _Change:
    seq: int
    vendor: Vendor
    order_id: str
    contact_id: str | None
    in_place: bool

    def may_touch(self, contact_id: str, held: set[str]) -> bool:
        """Whether this change may have altered a page of ``contact_id`` holding ``held``."""
        if self.order_id in held:
            return True
        return not self.in_place and self.contact_id in (None, contact_id)


_CHANGES_KEPT = 1_000


def _slot_contact(slot: str) -> str:
    return slot.split("\n", 1)[0]


def contact_of_slot(slot: str) -> tuple[str, int, str | None]:
    contact_id, first, after = slot.split("\n")
    return contact_id, int(first), after or None


class _PageIndex:
    """Which cached pages hold an order, which belong to a contact, and each order's contact:
    what a change of one order may have made stale. Bounded: past its size it forgets
    everything, and the pages go with it (``affected`` answers None)."""

    def __init__(self, maxsize: int) -> None:
        self._maxsize = max(maxsize, 1)
        self._contact_of: LRUCache[Key, str] = LRUCache(maxsize=self._maxsize)
        self._by_order: dict[Key, set[str]] = {}
        self._by_contact: dict[Key, set[str]] = {}

    def learn(self, vendor: Vendor, order: Order) -> None:
        if order.contact.contact_id:
            self._contact_of[(vendor, order.order_id)] = order.contact.contact_id

    def add(self, vendor: Vendor, contact_id: str, slot: str, page: OrderPage) -> None:
        if len(self._by_order) > 4 * self._maxsize:
            self.clear()
        self._by_contact.setdefault((vendor, contact_id), set()).add(slot)
        for order in page.orders:
            self._contact_of[(vendor, order.order_id)] = contact_id
            self._by_order.setdefault((vendor, order.order_id), set()).add(slot)

    def contact_of(self, vendor: Vendor, order_id: str) -> str | None:
        return self._contact_of.get((vendor, order_id))

    def affected(self, vendor: Vendor, order_id: str, *, in_place: bool) -> set[str] | None:
        slots = self._by_order.pop((vendor, order_id), set())
        if in_place:
            return slots
        contact_id = self._contact_of.get((vendor, order_id))
        if contact_id is None:
            return None
        return slots | self._by_contact.pop((vendor, contact_id), set())

    def clear(self) -> None:
        self._contact_of.clear()
        self._by_order.clear()
        self._by_contact.clear()


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
        stale_s: float = 0.0,
    ) -> None:
        self._orders: _Section[Order] = _Section(
            maxsize=maxsize, ttl_s=ttl_s, enabled=enabled, stale_s=stale_s
        )
        self._contacts: _Section[Contact] = _Section(
            maxsize=maxsize, ttl_s=ttl_s, enabled=enabled, stale_s=stale_s
        )
        # A contact's order pages, by page_slot(contact id, size, cursor).
        self._pages: _Section[OrderPage] = _Section(
            maxsize=maxsize, ttl_s=ttl_s, enabled=enabled, stale_s=stale_s
        )
        self._page_index = _PageIndex(maxsize)
        # The latest order changes, to tell whether a page read while they happened is current.
        self._changes: deque[_Change] = deque(maxlen=_CHANGES_KEPT)
        self._change_count = 0
        # The latest write sent or change seen per order, and the mark each write sent got:
        # whether a finished write's own read of its order is still the latest word on it.
        self._marks = itertools.count(1)
        self._order_marks: LRUCache[Key, int] = LRUCache(maxsize=max(maxsize, 1))
        self._write_marks: LRUCache[Key, int] = LRUCache(maxsize=max(maxsize, 1))
        self.refreshed_by_writes = 0

    @property
    def enabled(self) -> bool:
        return self._orders.enabled

    @property
    def order_reads(self) -> InFlightReads[Key, Any]:
        """Order reads in flight, shared by every request (whether or not caching is on)."""
        return self._orders.reads

    @property
    def contact_reads(self) -> InFlightReads[Key, Any]:
        return self._contacts.reads

    @property
    def page_reads(self) -> InFlightReads[Key, OrderPage]:
        """Contact order pages being read, by ``(vendor, page_slot(...))``."""
        return self._pages.reads

    def refresh_stale_with(
        self,
        orders: Refresher | None,
        contacts: Refresher | None,
        pages: Refresher | None = None,
    ) -> None:
        """Who refreshes a stale entry that was served (without one it is served until it
        expires)."""
        self._orders.refresher = orders
        self._contacts.refresher = contacts
        self._pages.refresher = pages

    def get_order(self, vendor: Vendor, order_id: str) -> Order | None:
        return self._orders.get(vendor, order_id)

    def put_order(self, vendor: Vendor, order: Order) -> None:
        self._page_index.learn(vendor, order)
        self._orders.put(vendor, order.order_id, order)

    def put_orders(self, vendor: Vendor, orders: Iterable[Order]) -> None:
        for order in orders:
            self.put_order(vendor, order)

    def note_write(self, job: Job) -> None:
        """A write for ``job.order_id`` was sent. Reads while it runs may see the order before
        or after it; what its job reads once finished is kept only if no other write or change
        of the order came in between (``forget_write``)."""
        mark = next(self._marks)
        self._order_marks[(job.vendor, job.order_id)] = mark
        self._write_marks[(job.vendor, job.job_id)] = mark

    def forget_write(self, job: Job) -> None:
        """A write's job is final: what it changed is no longer cached, except the order as the
        job read it after it finished (``Job.order_read``), which then answers the next reads
        without a vendor call. That read is kept only when this write is the latest thing known
        to have touched the order: with another write sent or finished since, it might predate
        that one, so the order is dropped as before and read afresh when asked for. A write
        this process did not send (its job adopted from another) is kept when this process
        knows of no change of the order at all."""
        key = (job.vendor, job.order_id)
        mark = self._write_marks.pop((job.vendor, job.job_id), None)
        read = job.order_read
        if mark is None:
            # A write another process sent (a job adopted from one that went away): its read
            # is the latest word unless this process heard of any change of the order.
            latest = key not in self._order_marks
        else:
            latest = self._order_marks.get(key) == mark
        self.invalidate_order(job.vendor, job.order_id, in_place=job.operation in IN_PLACE)
        if latest and read is not None and read.order_id == job.order_id:
            self.refreshed_by_writes += 1
            self.put_order(job.vendor, read)

    def invalidate_order(self, vendor: Vendor, order_id: str, *, in_place: bool = False) -> None:
        """The order changed. ``in_place``: the change cannot move it among its contact's
        orders (a status change, an action), so only the cached pages that hold it go."""
        self._order_marks[(vendor, order_id)] = next(self._marks)
        self._orders.invalidate(vendor, order_id)
        # Any page being read may hold the order; of the cached ones, those that hold it and
        # those of its contact (it may have moved into them). Of an order never seen (a new
        # one) the contact is unknown: every page of the vendor goes.
        contact_id = self._page_index.contact_of(vendor, order_id)
        self._changes.append(_Change(self._next_change(), vendor, order_id, contact_id, in_place))
        for key in self._pages.reads.running():
            if key[0] is vendor and (contact_id is None or _slot_contact(key[1]) == contact_id):
                self._pages.reads.detach(key)
        slots = self._page_index.affected(vendor, order_id, in_place=in_place)
        if slots is None:
            self._pages.clear()
            self._page_index.clear()
        else:
            for slot in slots:
                self._pages.invalidate(vendor, slot)

    def get_page(self, vendor: Vendor, slot: str) -> OrderPage | None:
        return self._pages.get(vendor, slot)

    def changes_seen(self) -> int:
        """A mark to give ``put_page`` for a page read from now on."""
        return self._change_count

    def put_page(
        self, vendor: Vendor, contact_id: str, slot: str, page: OrderPage, *, since: int
    ) -> None:
        """Keep a page read after ``since`` (a ``changes_seen()`` mark), with its orders, unless
        an order changed meanwhile that may be on it."""
        if since < self._change_count - len(self._changes):
            return  # changes since then were forgotten: cannot tell
        held = {order.order_id for order in page.orders}
        for change in self._changes:
            if (
                change.seq > since
                and change.vendor is vendor
                and change.may_touch(contact_id, held)
            ):
                return
        self._page_index.add(vendor, contact_id, slot, page)
        self._pages.put(vendor, slot, page)
        self.put_orders(vendor, page.orders)

    def get_contact(self, vendor: Vendor, contact_id: str) -> Contact | None:
        return self._contacts.get(vendor, contact_id)

    def put_contact(self, contact: Contact) -> None:
        self._contacts.put(contact.vendor, contact.contact_id, contact)

    def invalidate_contact(self, vendor: Vendor, contact_id: str) -> None:
        self._contacts.invalidate(vendor, contact_id)

    def clear(self) -> None:
        self._orders.clear()
        self._contacts.clear()
        self._pages.clear()
        self._page_index.clear()
        # No page read before now can tell what it missed.
        self._changes.clear()
        self._next_change()

    def _next_change(self) -> int:
        self._change_count += 1
        return self._change_count

    async def aclose(self) -> None:
        """Cancel the vendor reads still running; a shared cache also stops its broadcasting."""
        for reads in (self.order_reads, self.contact_reads, self.page_reads):
            await reads.aclose()

    def stats(self) -> CacheStats:
        return CacheStats(
            hits=self._orders.hits + self._contacts.hits,
            misses=self._orders.misses + self._contacts.misses,
            size=len(self._orders) + len(self._contacts) + len(self._pages),
            stale_hits=self._orders.stale_hits + self._contacts.stale_hits + self._pages.stale_hits,
        )
