"""Each client's share of the vendors.

Two limits per client (``gateway.client_identity`` says who a client is):

* a bucket of vendor calls, refilled at ``cost_rate`` per second up to ``cost_burst``: an
  operation's estimated cost is taken from it before the operation runs, and a client whose
  bucket cannot pay is told to come back later (``RATE_LIMITED`` with ``Retry-After``). Keeping
  each client's rate below the vendor's own is what leaves room for everyone else;
* at most ``vendor_concurrency`` of its vendor calls in flight: calls beyond that wait in the
  client's own queue, so a burst never stands in front of other clients' calls at the vendor's
  rate limiter.

Buckets are counted with ``limits`` (a sliding-window counter, O(1) per client): in this
process's memory, or in Redis when gateway processes share one, so that a client's share is
one share however many processes answer it. If Redis cannot be reached the bucket check lets
the operation through (the per-request cost limit still holds) rather than refusing everyone.
Slots are per process: they only keep a client's calls from crowding this process's queue.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cachetools import LRUCache
from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from adapters.model import Vendor
from adapters.transport import current_deadline, no_slot_in_time, wait_for_turn
from gateway.settings import ClientLimits

logger = logging.getLogger(__name__)

# Clients remembered at once; a forgotten client starts again with a full bucket.
MAX_TRACKED_CLIENTS = 10_000
_LIMITS_SCHEMES = {"redis": "async+redis", "rediss": "async+rediss", "unix": "async+redis+unix"}


def bucket_storage(redis_url: str | None, key_prefix: str) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    scheme, _, rest = redis_url.partition("://")
    return RedisStorage(
        f"{_LIMITS_SCHEMES[scheme]}://{rest}",
        implementation="redispy",
        key_prefix=f"{key_prefix}:client-shares",
        wrap_exceptions=True,
    )


class ClientShares:
    def __init__(self, limits: ClientLimits, *, storage: Storage | None = None) -> None:
        self.limits = limits
        window_s = max(1, round(limits.cost_burst / limits.cost_rate))
        self._bucket = RateLimitItemPerSecond(limits.cost_burst, window_s, namespace="cost")
        self._limiter = SlidingWindowCounterRateLimiter(storage or MemoryStorage())
        self._slots: LRUCache[str, asyncio.Semaphore] = LRUCache(MAX_TRACKED_CLIENTS)
        # Clients told to retry later, and when: until then they are refused at the door.
        self._refused_until: LRUCache[str, float] = LRUCache(MAX_TRACKED_CLIENTS)
        self._store_down = False

    def retry_after(self, client: str) -> int | None:
        """Seconds the client was told to wait and has not waited yet, if any: its requests
        are refused before their bodies are read, so a client that ignores ``Retry-After``
        costs the gateway next to nothing."""
        until = self._refused_until.get(client)
        if until is None:
            return None
        remaining = until - time.monotonic()
        if remaining <= 0:
            del self._refused_until[client]
            return None
        return math.ceil(remaining)

    async def charge(self, client: str, cost: int) -> int | None:
        """Take ``cost`` from the client's bucket; ``None`` if paid, else seconds to wait."""
        if cost <= 0:
            return None
        if cost > self.limits.cost_burst:
            return math.ceil(self.limits.cost_burst / self.limits.cost_rate)
        try:
            if await self._limiter.hit(self._bucket, client, cost=cost):
                self._store_down = False
                return None
            stats = await self._limiter.get_window_stats(self._bucket, client)
        except Exception:  # the shared store is unreachable: let it through, say so once
            if not self._store_down:
                logger.warning("client shares cannot be counted (store unreachable); not enforced")
            self._store_down = True
            return None
        needed = cost - stats.remaining
        by_rate = needed / self.limits.cost_rate
        wait = max(1, math.ceil(min(by_rate, stats.reset_time - time.time()) if by_rate > 0 else 1))
        self._refused_until[client] = time.monotonic() + wait
        return wait

    @asynccontextmanager
    async def slot(self, client: str, *, vendor: Vendor | None = None) -> AsyncIterator[None]:
        """One of the client's vendor-call slots, waited for in the client's own queue (no
        longer than the request's deadline: then ``RateLimited`` for ``vendor``)."""
        semaphore = self._slots.get(client)
        if semaphore is None:
            semaphore = self._slots[client] = asyncio.Semaphore(self.limits.vendor_concurrency)
        deadline = current_deadline()
        if deadline is not None and semaphore.locked():
            # A request's calls wait for a slot no longer than its deadline, like for a turn.
            acquiring = asyncio.ensure_future(semaphore.acquire())
            try:
                got = await wait_for_turn(acquiring, deadline)
            except asyncio.CancelledError:
                if acquiring.done() and not acquiring.cancelled():
                    semaphore.release()  # acquired just as the caller was cancelled
                raise
            if not got:
                raise no_slot_in_time(deadline, 1.0, vendor=vendor)
        else:
            await semaphore.acquire()
        try:
            yield
        finally:
            semaphore.release()
