"""How long a vendor call may wait for the vendor budget: until the deadline of the client
request it serves.

The gateway sets a ``Deadline`` for each client request (``vendor_call_deadline``, a context
variable, so it reaches every call made beneath it without changing any signature). A call that
queues for a slot waits until that deadline and no longer; a request that gives up earlier
(its client went away) says so with ``Deadline.give_up``, and its queued calls leave the queue
at once, never sent. Work outside any request (a background refresh, a queue without a
request's deadline) waits for the queue's own default.

A read shared by several requests serves the latest of their deadlines (``Deadline.extend``):
the first asker's patience does not decide for the others. A call already waiting follows its
deadline as it moves (``Deadline.watch``): later when a more patient asker joins, at once when
the request gives up.

``vendor_call_patience`` says how long each unit of work may wait (``GATEWAY_VENDOR_QUEUE_S``),
for work that is not one request: each operation on a WebSocket and each event of a
subscription takes a deadline of its own (``fresh_deadline``), however long its connection or
stream has been open.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from adapters.errors import RateLimited
from adapters.model import Vendor
from adapters.transport._watchers import Watchers


class Deadline:
    """The moment (``time.monotonic()``) a request stops waiting for its vendor calls."""

    __slots__ = ("_given_up", "_signal", "_watchers", "at", "on_first_wait", "span_s")

    def __init__(self, at: float, span_s: float | None = None) -> None:
        self.at = at
        # The patience it was made with (``after``): what a joiner with no deadline of its own
        # is given from the moment it joins.
        self.span_s = span_s
        self._given_up = False
        # Called when the deadline moves (extended, given up): calls waiting on something
        # that cannot watch the deadline itself (the inner rate limiter) re-arm their timers.
        self._watchers: Watchers[Deadline] | None = None
        # Made only when someone waits on it: most requests never queue.
        self._signal: asyncio.Future[None] | None = None
        # Called when a call first queues under this deadline (to start noticing that the
        # client went away, which costs something only then).
        self.on_first_wait: Callable[[], None] | None = None

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def copy(self) -> Deadline:
        """The same moment and patience, moved and given up on its own (a shared read's)."""
        return Deadline(self.at, self.span_s)

    def left(self) -> float:
        """Seconds until the deadline (0 once it passed or the request gave up)."""
        if self._given_up:
            return 0.0
        return max(0.0, self.at - time.monotonic())

    @property
    def given_up(self) -> bool:
        return self._given_up

    def extend(self, other: Deadline) -> None:
        """Wait as long as the more patient of the two (a read another request joined)."""
        if not other.given_up and other.at > self.at:
            self.at = other.at
            self._moved()

    def extend_by_own_span(self) -> None:
        """Wait at least as long as a new asker with this deadline's patience would (one who
        joined without a deadline of its own)."""
        if self.span_s is not None:
            self.extend(Deadline.after(self.span_s))

    def give_up(self) -> None:
        """The request went away: whatever it queued leaves the queue now."""
        self._given_up = True
        if self._signal is not None and not self._signal.done():
            self._signal.set_result(None)
        self._moved()

    @contextlib.contextmanager
    def watch(self, moved: Callable[[Deadline], None]) -> Iterator[None]:
        """``moved(self)`` is called whenever the deadline moves while inside the block."""
        if self._watchers is None:
            self._watchers = Watchers()
        with self._watchers.watching(moved):
            yield

    def _moved(self) -> None:
        if self._watchers is not None:
            self._watchers.notify(self)

    def gave_up_signal(self) -> asyncio.Future[None]:
        """A future done once the request gives up (what a queued call waits on besides its
        turn)."""
        if self._signal is None:
            self._signal = asyncio.get_running_loop().create_future()
            if self._given_up:
                self._signal.set_result(None)
            elif self.on_first_wait is not None:
                self.on_first_wait()
        return self._signal


_DEADLINE: ContextVar[Deadline | None] = ContextVar("vendor_call_deadline", default=None)


@contextlib.contextmanager
def vendor_call_deadline(deadline: Deadline | None) -> Iterator[Deadline | None]:
    """Vendor calls made inside the block (in this task, and tasks it starts) wait for the
    vendor budget until ``deadline`` (``None``: the queue's default)."""
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


def current_deadline() -> Deadline | None:
    return _DEADLINE.get()


_PATIENCE: ContextVar[float | None] = ContextVar("vendor_call_patience", default=None)


@contextlib.contextmanager
def vendor_call_patience(seconds: float) -> Iterator[None]:
    """Inside the block, each operation or subscription event that is not a request of its
    own may queue its vendor calls for ``seconds`` (``fresh_deadline``)."""
    token = _PATIENCE.set(seconds)
    try:
        yield
    finally:
        _PATIENCE.reset(token)


def fresh_deadline() -> Deadline | None:
    """A deadline starting now, of the patience set by ``vendor_call_patience`` (None outside
    it: the queue's default then applies to each call)."""
    patience = _PATIENCE.get()
    return None if patience is None else Deadline.after(patience)


def queue_deadline(default_wait_s: float) -> Deadline:
    """The deadline a call queueing now waits until: its request's, or ``default_wait_s``."""
    return _DEADLINE.get() or Deadline.after(default_wait_s)


async def wait_for_turn(turn: asyncio.Future[Any], deadline: Deadline) -> bool:
    """Wait for ``turn`` (a future a queue resolves) until ``deadline``; True once it came.

    Otherwise (and when the caller is cancelled) the turn is cancelled, so the queue skips it
    and never hands it a slot. Waiting
    on ``asyncio.wait`` rather than a timeout keeps the place in the queue while the deadline
    moves later (``Deadline.extend``).
    """
    try:
        while not turn.done():
            left = deadline.left()
            if left <= 0:
                break
            await asyncio.wait(
                (turn, deadline.gave_up_signal()),
                timeout=left,
                return_when=asyncio.FIRST_COMPLETED,
            )
    except asyncio.CancelledError:
        # The caller was cancelled: its turn goes too (a turn already handed over is the
        # caller's to pass on).
        if not turn.done():
            turn.cancel()
        raise
    if turn.done() and not turn.cancelled():
        return True
    turn.cancel()
    return False


def no_slot_in_time(
    deadline: Deadline, retry_after_s: float, *, vendor: Vendor | None = None
) -> RateLimited:
    """The error of a call that could not get a slot before its request's deadline (or before
    its request was given up); ``retry_after_s``: the queue's estimate of its backlog."""
    if deadline.given_up:
        message = "The request was given up before its vendor call got a slot"
    else:
        message = (
            "The vendor's request budget had no free slot for this call within the request's "
            "deadline; try again later"
        )
    return RateLimited(message, retry_after=max(1.0, round(retry_after_s, 1)), vendor=vendor)
