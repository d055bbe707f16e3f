"""Who goes first when the vendor budget is short: the job polls of accepted writes, then new
writes, then the reads a client waits for, then background refreshes.

The caller says how urgent its vendor calls are with ``vendor_call_priority(...)`` (a context
variable, so it reaches every call made beneath it, retries included, without changing any
signature). ``PriorityGate`` sits in front of a transport's rate limiter: callers queue in
order of priority (then arrival), and only the head of the queue waits on the limiter, so a
flood of reads already queued never delays a write that arrives after it by more than one slot.

Writes do not starve the reads clients wait for (``TurnOrder``): while both queue, every
``INTERACTIVE_EVERY``-th slot goes to a read. Each caller waits until its request's deadline
(``adapters.transport._deadline``) and then leaves the queue with ``RateLimited``, never sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Collection, Iterator
from contextvars import ContextVar
from enum import IntEnum
from functools import partial

from adapters.errors import RateLimited
from adapters.transport._deadline import (
    Deadline,
    no_slot_in_time,
    queue_deadline,
    vendor_call_deadline,
    wait_for_turn,
)
from adapters.transport._limiter import RateLimiter
from adapters.transport._watchers import Watchers

# While writes and reads both queue, one slot in this many goes to a read: writes still go
# first almost always, and a read a client waits for is never starved by a stream of writes.
INTERACTIVE_EVERY = 4
# How long a call outside any request (no deadline of its own) may wait for a slot.
DEFAULT_QUEUE_WAIT_S = 5.0


def _follow(timeout: asyncio.Timeout, deadline: Deadline) -> None:
    if not timeout.expired():
        timeout.reschedule(asyncio.get_running_loop().time() + deadline.left())


class VendorCallPriority(IntEnum):
    """Lower goes first. Following an accepted write to its end (its job polls, and the read
    that closes it) goes before sending new writes: while writes outrun the budget, the jobs
    already accepted still finish, instead of every poll waiting behind the next sends."""

    JOB = 0
    WRITE = 1
    INTERACTIVE = 2
    BACKGROUND = 3


_PRIORITY: ContextVar[VendorCallPriority] = ContextVar(
    "vendor_call_priority", default=VendorCallPriority.INTERACTIVE
)


class SharedPriority:
    """The priority of calls made for several askers at once (a read shared by requests): the
    most urgent of theirs. A more urgent asker who joins later raises it (``raise_to``), and
    the calls already queued under it move to that priority's queue (``watch``): a client read
    that joins a background refresh does not wait behind the reads of other clients."""

    __slots__ = ("_watchers", "value")

    def __init__(self, value: VendorCallPriority) -> None:
        self.value = value
        self._watchers: Watchers[VendorCallPriority] | None = None

    def raise_to(self, priority: VendorCallPriority) -> None:
        if priority < self.value:
            self.value = priority
            if self._watchers is not None:
                self._watchers.notify(priority)

    @contextlib.contextmanager
    def watch(self, moved: Callable[[VendorCallPriority], None]) -> Iterator[None]:
        """``moved(priority)`` is called whenever the priority is raised inside the block."""
        if self._watchers is None:
            self._watchers = Watchers()
        with self._watchers.watching(moved):
            yield


_SHARED: ContextVar[SharedPriority | None] = ContextVar("shared_call_priority", default=None)


@contextlib.contextmanager
def vendor_call_priority(priority: VendorCallPriority | SharedPriority) -> Iterator[None]:
    """Vendor calls made inside the block (in this task, and tasks it starts) queue at
    ``priority`` (a ``SharedPriority``: at its value as it is raised)."""
    shared = priority if isinstance(priority, SharedPriority) else None
    plain = priority.value if isinstance(priority, SharedPriority) else priority
    # The innermost setting decides, shared or not.
    token = _PRIORITY.set(plain)
    shared_token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(shared_token)
        _PRIORITY.reset(token)


def current_priority() -> VendorCallPriority:
    shared = _SHARED.get()
    return _PRIORITY.get() if shared is None else shared.value


@contextlib.contextmanager
def following_priority(
    place: list[VendorCallPriority], move: Callable[[VendorCallPriority], None]
) -> Iterator[None]:
    """While a call queued at ``place[0]`` waits, ``move(new)`` re-files it when its shared
    priority is raised (and ``place[0]`` tells where it is then)."""
    shared = _SHARED.get()
    if shared is None:
        yield
        return

    def moved(priority: VendorCallPriority) -> None:
        move(priority)
        place[0] = priority

    with shared.watch(moved):
        yield


class TurnOrder:
    """Which priority the next free slot goes to: the most urgent one waiting, except that a
    waiting interactive read gets every ``interactive_every``-th slot when writes keep
    coming."""

    def __init__(self, interactive_every: int = INTERACTIVE_EVERY) -> None:
        if interactive_every < 1:
            raise ValueError(f"interactive_every must be at least 1, got {interactive_every}")
        self._every = interactive_every
        self._writes_in_a_row = 0

    def choose(self, waiting: Collection[VendorCallPriority]) -> VendorCallPriority:
        first = min(waiting)
        if (
            first < VendorCallPriority.INTERACTIVE
            and VendorCallPriority.INTERACTIVE in waiting
            and self._writes_in_a_row >= self._every - 1
        ):
            return VendorCallPriority.INTERACTIVE
        return first

    def granted(
        self, priority: VendorCallPriority, waiting: Collection[VendorCallPriority]
    ) -> None:
        """A slot went to ``priority`` while ``waiting`` (the others) still queued."""
        writing = priority < VendorCallPriority.INTERACTIVE
        if writing and VendorCallPriority.INTERACTIVE in waiting:
            self._writes_in_a_row += 1
        elif not writing:
            self._writes_in_a_row = 0


class PriorityGate:
    """A ``RateLimiter`` that hands ``inner``'s slots out by priority, each caller waiting no
    longer than its request's deadline (or ``default_wait_s`` without one).

    ``rate_per_s`` (``inner``'s rate, when known) estimates the ``retry_after`` a caller that
    ran out of time is given.
    """

    def __init__(
        self,
        inner: RateLimiter,
        *,
        rate_per_s: float | None = None,
        default_wait_s: float = DEFAULT_QUEUE_WAIT_S,
        turns: TurnOrder | None = None,
    ) -> None:
        self._inner = inner
        self._queues: dict[VendorCallPriority, deque[asyncio.Future[None]]] = {
            priority: deque() for priority in VendorCallPriority
        }
        self._turns = turns or TurnOrder()
        self._interval_s = 1.0 / rate_per_s if rate_per_s else 1.0
        self._default_wait_s = default_wait_s
        self._busy = False
        self.served: dict[VendorCallPriority, int] = dict.fromkeys(VendorCallPriority, 0)
        self.timed_out = 0

    def waiting(self) -> int:
        return sum(1 for queue in self._queues.values() for turn in queue if not turn.done())

    async def acquire(self) -> None:
        priority = current_priority()
        deadline = queue_deadline(self._default_wait_s)
        if self._busy or any(self._queues.values()):
            turn = asyncio.get_running_loop().create_future()
            self._queues[priority].append(turn)
            place = [priority]
            try:
                with following_priority(place, partial(self._move, turn, place)):
                    got = await wait_for_turn(turn, deadline)
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._pass_on()  # given the turn just as it was cancelled: hand it on
                raise
            priority = place[0]
            if not got:
                self.timed_out += 1
                raise no_slot_in_time(deadline, self._backlog_s(priority))
        else:
            self._busy = True
        try:
            await self._inner_acquire(deadline, priority)
            self.served[priority] += 1
        finally:
            self._pass_on()

    async def _inner_acquire(self, deadline: Deadline, priority: VendorCallPriority) -> None:
        try:
            # The limiter sees the deadline this call waits until (the queue's own default
            # when it has no request): a budget booked ahead books no slot beyond it.
            async with asyncio.timeout(deadline.left()) as timeout:
                # The deadline may move while the call waits: later (a more patient request
                # joined the read) or now (the request gave up).
                with (
                    deadline.watch(partial(_follow, timeout)),
                    vendor_call_deadline(deadline),
                ):
                    await self._inner.acquire()
        except TimeoutError:
            self.timed_out += 1
            raise no_slot_in_time(deadline, self._backlog_s(priority)) from None
        except RateLimited:
            self.timed_out += 1
            raise

    def _move(
        self, turn: asyncio.Future[None], place: list[VendorCallPriority], to: VendorCallPriority
    ) -> None:
        """A queued call's shared priority was raised: it queues at ``to`` from now on, as if
        it had just arrived there."""
        queue = self._queues[place[0]]
        if not turn.done() and turn in queue:
            queue.remove(turn)
            self._queues[to].append(turn)

    def _backlog_s(self, priority: VendorCallPriority) -> float:
        """Roughly how long the callers queued at ``priority`` or before it will take."""
        ahead = sum(
            1
            for waiting, queue in self._queues.items()
            if waiting <= priority
            for turn in queue
            if not turn.done()
        )
        return (ahead + 1) * self._interval_s

    def _pass_on(self) -> None:
        while True:
            for queue in self._queues.values():
                while queue and queue[0].done():
                    queue.popleft()
            waiting = [priority for priority, queue in self._queues.items() if queue]
            if not waiting:
                self._busy = False
                return
            priority = self._turns.choose(waiting)
            turn = self._queues[priority].popleft()
            if not turn.done():
                turn.set_result(None)
                self._turns.granted(priority, waiting)
                return
