"""WebSocket protocol pings on one timer per event loop instead of one per connection.

uvicorn pings every WebSocket every ``ws_ping_interval`` seconds from a ``call_later`` timer
of the connection's own, pending for as long as the connection idles: with uvloop about
0.9 KB per idle subscriber. Here a connection waiting for its next ping holds only an entry
in its loop's ``PingClock``; the clock's single timer fires at the earliest due ping.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from typing import Protocol


class PingTarget(Protocol):
    def send_keepalive_ping(self) -> None: ...


class PingClock:
    """Pings due in the order they were scheduled. Every delay is the same interval, so the
    order of scheduling is the order of the due times and the first entry is the next due
    (an ``OrderedDict``: taking from its front stays cheap however many pings went before)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, interval_s: float) -> None:
        self._loop = loop
        self._interval_s = interval_s
        self._due: OrderedDict[PingTarget, float] = OrderedDict()
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, target: PingTarget) -> None:
        """``target.send_keepalive_ping()`` once the interval has passed."""
        self._due.pop(target, None)
        self._due[target] = self._loop.time() + self._interval_s
        if self._timer is None:
            self._arm()

    def cancel(self, target: PingTarget) -> None:
        self._due.pop(target, None)

    def _arm(self) -> None:
        first_due = next(iter(self._due.values()))
        self._timer = self._loop.call_at(first_due, self._tick)

    def _tick(self) -> None:
        self._timer = None
        now = self._loop.time()
        # A ping scheduled while this runs goes to the end, due an interval from now.
        while self._due:
            target, due = next(iter(self._due.items()))
            if due > now:
                break
            del self._due[target]
            target.send_keepalive_ping()
        if self._due and self._timer is None:
            self._arm()


_CLOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, PingClock]] = (
    weakref.WeakKeyDictionary()
)


def ping_clock(loop: asyncio.AbstractEventLoop, interval_s: float) -> PingClock:
    """``loop``'s clock for pings every ``interval_s`` seconds."""
    clocks = _CLOCKS.setdefault(loop, {})
    clock = clocks.get(interval_s)
    if clock is None:
        clock = clocks[interval_s] = PingClock(loop, interval_s)
    return clock
