"""Vendor calls handed out round-robin between clients, at the vendor's rate.

The vendor transport's own rate limiter serves callers first come, first served: a client that
queues a thousand reads makes everyone else wait behind them. Here each vendor's calls wait in
their client's own queue, and turns go to the clients in rotation, paced at the vendor's rate
(a token bucket as shallow as the transport's, so the transport itself never has to queue). A
client alone gets every turn; two busy clients get half each. While clients queue, one token is
kept in reserve for a client that has nothing queued: a single read arriving during another
client's flood goes at once instead of waiting for the next turn, if its priority would have
the next turn anyway (a poller's calls one after another do not starve the reads queued).

Calls also queue by their priority (``adapters.transport.vendor_call_priority``): a client's
write and the job polls that follow writes go before anyone's reads (except that reads get one
turn in ``INTERACTIVE_EVERY`` while both wait), and background cache refreshes after them; the
rotation between clients holds within each priority; a call whose shared priority is raised
while it waits (a client read joined a background refresh) moves up. A call waits no longer
than its request's deadline (``adapters.transport.vendor_call_deadline``); then it leaves the
queue unsent, with ``RateLimited``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from functools import partial

from adapters.transport import (
    DEFAULT_QUEUE_WAIT_S,
    TurnOrder,
    VendorCallPriority,
    current_priority,
    following_priority,
    no_slot_in_time,
    queue_deadline,
    wait_for_turn,
)

# Tokens the queue keeps back from clients that already have calls waiting.
RESERVE = 1.0


class FairQueue:
    def __init__(self, rate_per_s: float, *, default_wait_s: float = DEFAULT_QUEUE_WAIT_S) -> None:
        self.interval_s = 1.0 / rate_per_s
        self.default_wait_s = default_wait_s
        self._turns = TurnOrder()
        self.capacity = max(1.0 + RESERVE, rate_per_s / 10)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        # Queued calls by (priority, client); a rotation of clients per priority.
        self._waiting: dict[tuple[VendorCallPriority, str], deque[asyncio.Future[None]]] = {}
        self._rotations: dict[VendorCallPriority, deque[str]] = {
            priority: deque() for priority in VendorCallPriority
        }
        self._pump: asyncio.Task[None] | None = None

    @property
    def _rotation(self) -> list[str]:
        """Every client with calls queued, at any priority."""
        return [client for rotation in self._rotations.values() for client in rotation]

    def _queued(self, client: str) -> bool:
        return any((priority, client) in self._waiting for priority in VendorCallPriority)

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) / self.interval_s)
        self._updated = now

    async def turn(self, client: str) -> None:
        """Returns when ``client`` may make one vendor call."""
        self._refill()
        priority = current_priority()
        # Nothing of this client's is waiting: it may take a token, the reserve included.
        if not self._queued(client) and self._tokens >= 1 and self._may_pass(priority):
            self._tokens -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        deadline = queue_deadline(self.default_wait_s)
        queue = self._waiting.get((priority, client))
        if queue is None:
            queue = self._waiting[(priority, client)] = deque()
            self._rotations[priority].append(client)
        queue.append(waiter)
        if self._pump is None or self._pump.done():
            self._pump = asyncio.ensure_future(self._hand_out())
        place = [priority]
        try:
            with following_priority(place, partial(self._move, waiter, client, place)):
                got = await wait_for_turn(waiter, deadline)
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._tokens += 1  # granted, then given up: the turn goes back
            raise
        priority = place[0]
        if not got:
            raise no_slot_in_time(deadline, self._backlog(priority) * self.interval_s)

    def _may_pass(self, priority: VendorCallPriority) -> bool:
        """Whether a call with nothing of its client's queued may go past the queued calls:
        only when its priority would get the next turn anyway. Passing counts as that turn, so
        a client making one urgent call after another (a job's poller) does not keep every
        token from the reads queued, which get one turn in ``INTERACTIVE_EVERY``."""
        waiting = [queued for queued, rotation in self._rotations.items() if rotation]
        if not waiting:
            return True
        if self._turns.choose([*waiting, priority]) != priority:
            return False
        self._turns.granted(priority, waiting)
        return True

    def _move(
        self,
        waiter: asyncio.Future[None],
        client: str,
        place: list[VendorCallPriority],
        to: VendorCallPriority,
    ) -> None:
        """A queued call's shared priority was raised: it queues at ``to`` from now on, last
        among its client's calls there."""
        queue = self._waiting.get((place[0], client))
        if waiter.done() or queue is None or waiter not in queue:
            return
        queue.remove(waiter)
        if not queue:
            del self._waiting[(place[0], client)]
            if client in self._rotations[place[0]]:
                self._rotations[place[0]].remove(client)
        target = self._waiting.get((to, client))
        if target is None:
            target = self._waiting[(to, client)] = deque()
            self._rotations[to].append(client)
        target.append(waiter)

    def _backlog(self, priority: VendorCallPriority) -> int:
        """Calls queued at ``priority`` or before it."""
        return sum(
            sum(1 for waiter in queue if not waiter.done())
            for (queued, _), queue in self._waiting.items()
            if queued <= priority
        )

    async def _hand_out(self) -> None:
        while self._rotation:
            self._refill()
            if self._tokens < 1 + RESERVE:
                await asyncio.sleep((1 + RESERVE - self._tokens) * self.interval_s)
                continue
            waiting = [p for p, rotation in self._rotations.items() if rotation]
            priority = self._turns.choose(waiting)
            rotation = self._rotations[priority]
            client = rotation.popleft()
            queue = self._waiting[(priority, client)]
            waiter = queue.popleft()
            if queue:
                rotation.append(client)
            else:
                del self._waiting[(priority, client)]
            if not waiter.done():  # a cancelled waiter does not use its turn
                self._tokens -= 1
                waiter.set_result(None)
                self._turns.granted(priority, waiting)
