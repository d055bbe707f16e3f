"""One vendor rate budget for every gateway process: a GCRA schedule kept in Redis.

Each request reserves the next free send slot of its API key with one atomic script and
sleeps until that slot comes. Slots are spaced so that, even when a request's way to the vendor
is delayed by up to ``ARRIVAL_JITTER_S`` more for one request than for another, the vendor
never counts more than the configured rate in any one-second window:
n requests spaced ``interval`` apart reach it within ``(n - 1) * interval - jitter`` seconds,
which must exceed one second for n = rate + 1.

The script reads Redis's own clock (``TIME``), so processes on machines whose clocks differ
still share one schedule. The ``limits`` library was the other candidate; its strategies
answer "allowed now or not", which would make every waiting request poll Redis, where a
reservation answers with the wait in one round trip.

A request waits for its slot no longer than its deadline (``adapters.transport.Deadline``): a
slot further ahead is not booked, and the caller gets ``RateLimited`` at once. A caller that
gives up while it sleeps towards its slot hands the slot back when nobody booked after it (the
usual case: the priority queue in front lets one caller per process book at a time).

While Redis cannot be reached, each process falls back to its share of the budget (the rate
divided by the number of processes) so vendor calls neither stop nor exceed the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from adapters.errors import RateLimited
from adapters.model import Vendor
from adapters.transport import RateLimiter, current_deadline, local_limiter, no_slot_in_time
from gateway.redis.connection import FAILURES

logger = logging.getLogger(__name__)

# How much later one request may reach the vendor than another sent right after it (network,
# event-loop and sleep overshoot); the budget leaves this much room in every second.
ARRIVAL_JITTER_S = 0.15
# A request that would have to wait longer than this for its slot is refused instead: the
# budget is overdrawn by a flood, and queueing it would only make every caller time out.
MAX_WAIT_S = 30.0

# KEYS[1]: the key's theoretical arrival time (microseconds of Redis's clock).
# ARGV[1]: slot interval (µs); ARGV[2]: the longest wait to grant (µs).
# Returns {wait in µs, the slot booked}, or {-1, the wait it would take} when that exceeds the
# longest wait (nothing is booked then).
_RESERVE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local wait = slot - now
if wait > tonumber(ARGV[2]) then return {-1, wait} end
redis.call('SET', KEYS[1], string.format('%d', slot + interval),
           'PX', math.ceil((wait + interval) / 1000) + 1000)
return {wait, slot}
"""

# KEYS[1] as above; ARGV[1]: a slot booked and not used; ARGV[2]: slot interval (µs).
# Gives the slot back if it is still the last one booked; returns 1 if it was.
_RELEASE = """
local booked = redis.call('GET', KEYS[1])
if booked and tonumber(booked) == tonumber(ARGV[1]) + tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
  return 1
end
return 0
"""


def slot_interval_s(rate_per_second: float) -> float:
    """Spacing between two requests of one key that keeps every 1 s window within the rate."""
    if rate_per_second >= 2:
        return (1 + ARRIVAL_JITTER_S) / (rate_per_second - 1)
    return (1 + ARRIVAL_JITTER_S) / rate_per_second


def budget_key(prefix: str, vendor: Vendor, api_key: str) -> str:
    """The Redis key of one API key's budget; the API key itself never reaches Redis."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()[:24]
    return f"{prefix}:rate:{vendor.value}:{digest}"


class RedisRateBudget:
    """A ``RateLimiter`` whose budget is shared by every process using the same key."""

    def __init__(
        self,
        client: Redis,
        vendor: Vendor,
        key: str,
        rate_per_second: float,
        *,
        processes: int = 1,
        max_wait_s: float = MAX_WAIT_S,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if not rate_per_second > 0:
            raise ValueError(f"rate_per_second must be positive, got {rate_per_second!r}")
        self._vendor = vendor
        self._key = key
        self._interval_us = math.ceil(slot_interval_s(rate_per_second) * 1_000_000)
        self._max_wait_us = int(max_wait_s * 1_000_000)
        self._script = client.register_script(_RESERVE)
        self._release = client.register_script(_RELEASE)
        self._fallback: RateLimiter = local_limiter(rate_per_second / max(1, processes))
        self._sleep = sleep
        self._warned_at = -math.inf
        self.waited_s = 0.0  # total time callers slept for their slots (monotonic)

    async def acquire(self) -> None:
        deadline = current_deadline()
        max_wait_us = self._max_wait_us
        if deadline is not None:
            max_wait_us = min(max_wait_us, int(deadline.left() * 1_000_000))
        try:
            wait_us, slot = (
                int(part)
                for part in await self._script(
                    keys=[self._key], args=[self._interval_us, max_wait_us]
                )
            )
        except FAILURES as exc:
            self._warn_fallback(exc)
            await self._fallback.acquire()
            return
        if wait_us < 0:
            # Typed like the vendor's own 429: the caller sees RATE_LIMITED, not a hang.
            needed_s = slot / 1_000_000
            if max_wait_us < self._max_wait_us and deadline is not None:
                raise no_slot_in_time(deadline, needed_s, vendor=self._vendor)
            raise RateLimited(
                "The gateway's request budget for this vendor is booked too far ahead",
                vendor=self._vendor,
                retry_after=needed_s,
            )
        if wait_us:
            wait_s = wait_us / 1_000_000
            self.waited_s += wait_s
            try:
                await self._sleep(wait_s)
            except asyncio.CancelledError:
                await self._give_back(slot)
                raise

    async def _give_back(self, slot: int) -> None:
        """A slot booked and never used: free it for the next caller if nobody booked after."""
        # If Redis fails, the slot stays booked: a gap in the schedule, never a call too many.
        with contextlib.suppress(*FAILURES):
            await self._release(keys=[self._key], args=[slot, self._interval_us])

    def _warn_fallback(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            logger.warning(
                "vendor rate budget: Redis unavailable (%s); pacing with this process's share",
                type(exc).__name__,
            )
