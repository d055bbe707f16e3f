"""Who goes first when the vendor budget is short: writes and their job polls, then the reads
a client waits for, then background refreshes.

The caller says how urgent its vendor calls are with ``vendor_call_priority(...)`` (a context
variable, so it reaches every call made beneath it, retries included, without changing any
signature). ``PriorityGate`` sits in front of a transport's rate limiter: callers queue in
order of priority (then arrival), and only the head of the queue waits on the limiter, so a
flood of reads already queued never delays a write that arrives after it by more than one slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Iterator
from contextvars import ContextVar
from enum import IntEnum

from adapters.transport._limiter import RateLimiter


class VendorCallPriority(IntEnum):
    """Lower goes first."""

    WRITE = 0
    INTERACTIVE = 1
    BACKGROUND = 2


_PRIORITY: ContextVar[VendorCallPriority] = ContextVar(
    "vendor_call_priority", default=VendorCallPriority.INTERACTIVE
)


@contextlib.contextmanager
def vendor_call_priority(priority: VendorCallPriority) -> Iterator[None]:
    """Vendor calls made inside the block (in this task, and tasks it starts) queue at
    ``priority``."""
    token = _PRIORITY.set(priority)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


def current_priority() -> VendorCallPriority:
    return _PRIORITY.get()


class PriorityGate:
    """A ``RateLimiter`` that hands ``inner``'s slots out by priority."""

    def __init__(self, inner: RateLimiter) -> None:
        self._inner = inner
        self._queue: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._busy = False
        self.served: dict[VendorCallPriority, int] = dict.fromkeys(VendorCallPriority, 0)

    def waiting(self) -> int:
        return sum(1 for _, _, turn in self._queue if not turn.done())

    async def acquire(self) -> None:
        priority = current_priority()
        if self._busy or self._queue:
            turn = asyncio.get_running_loop().create_future()
            heapq.heappush(self._queue, (priority, next(self._order), turn))
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._pass_on()  # given the turn just as it was cancelled: hand it on
                raise
        else:
            self._busy = True
        try:
            await self._inner.acquire()
            self.served[priority] += 1
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        while self._queue:
            _, _, turn = heapq.heappop(self._queue)
            if not turn.done():
                turn.set_result(None)
                return
        self._busy = False
