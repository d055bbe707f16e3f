"""Identical vendor reads in flight at the same time are made once and shared.

A read asked for while the same key is already being fetched (by any request of the process)
waits for that fetch instead of calling the vendor again. Each fetch runs in a task of its own,
so a client that goes away does not cancel the answer the others are waiting for.

``forget(key)`` detaches a fetch from its key, for a write that changed what it reads: whoever
asks after the write starts a new fetch, and the detached fetch's answer is handed only to those
who were already waiting for it, never kept (its ``keep`` is not called).

A fetch queues for the vendor budget until the latest deadline of the requests waiting for it
(``adapters.transport.Deadline``; one who waits without a deadline of its own counts as one who
asked just then), and once every one of them has given up (cancelled, or its
client gone) its calls still queued leave the queue unsent. A fetch started with nobody waiting
(``start``: a background refresh) runs on regardless. A fetch queues at the priority of its
most urgent asker (``adapters.transport.SharedPriority``): a client read that joins a background
refresh lifts it to a client read's priority.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from adapters.transport import (
    Deadline,
    SharedPriority,
    VendorCallPriority,
    current_deadline,
    current_priority,
    no_slot_in_time,
    vendor_call_deadline,
    vendor_call_priority,
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[list[K]], Awaitable[Sequence[V]]]
Keep = Callable[[K, V], None]


class _Fetch:
    """One fetch task's patience and urgency: the deadline and priority its vendor calls queue
    under, and how many requests still wait for it."""

    __slots__ = ("deadline", "priority", "waiters")

    def __init__(self, deadline: Deadline | None, priority: VendorCallPriority) -> None:
        self.deadline = deadline
        self.priority = SharedPriority(priority)
        self.waiters = 0

    def join(self, deadline: Deadline | None, priority: VendorCallPriority) -> None:
        self.waiters += 1
        # A client read joining a background refresh lifts it to a client read's priority.
        self.priority.raise_to(priority)
        if self.deadline is None:
            return
        if deadline is None:
            # No deadline of its own: the patience of one who asked just now.
            self.deadline.extend_by_own_span()
        else:
            self.deadline.extend(deadline)

    def leave(self) -> None:
        self.waiters -= 1
        if self.waiters == 0 and self.deadline is not None:
            self.deadline.give_up()


class _Call(Generic[V]):
    __slots__ = ("current", "fetch", "future")

    def __init__(self, future: asyncio.Future[V], fetch: _Fetch) -> None:
        self.future = future
        self.fetch = fetch
        # False once forgotten: the answer may predate a write, so it is not kept.
        self.current = True


class InFlightReads(Generic[K, V]):
    """The fetches of one kind of key (orders, contacts, pages) running right now."""

    def __init__(self) -> None:
        self._calls: dict[K, _Call[V]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.started = 0
        self.joined = 0

    def __contains__(self, key: K) -> bool:
        return key in self._calls

    def __len__(self) -> int:
        return len(self._calls)

    async def read(
        self, keys: Sequence[K], fetch: Fetch[K, V], *, keep: Keep[K, V] | None = None
    ) -> list[V]:
        """The answer for each of ``keys``: joined where a fetch is running, otherwise from one
        new ``fetch`` of the keys nobody is fetching (answers in the order of its argument).
        ``keep`` sees each new answer unless its key was forgotten meanwhile."""
        asker = current_deadline()
        priority = current_priority()
        waits = self._start(keys, fetch, keep, asker, priority)
        fetches = {id(call.fetch): call.fetch for call in waits.values()}
        for each in fetches.values():
            each.join(asker, priority)
        try:
            if len(waits) == 1:
                value = await _answer(next(iter(waits.values())).future, asker)
                return [value for _ in keys]
            answers = {key: await _answer(call.future, asker) for key, call in waits.items()}
            return [answers[key] for key in keys]
        finally:
            for each in fetches.values():
                each.leave()
            for key, call in waits.items():
                # Given up by everyone who asked: whoever asks next starts afresh.
                deadline = call.fetch.deadline
                abandoned = call.fetch.waiters == 0 and deadline is not None and deadline.given_up
                if abandoned and self._calls.get(key) is call:
                    del self._calls[key]

    def start(
        self,
        keys: Sequence[K],
        fetch: Fetch[K, V],
        *,
        keep: Keep[K, V] | None = None,
        priority: VendorCallPriority = VendorCallPriority.BACKGROUND,
    ) -> dict[K, asyncio.Future[V]]:
        """Join or start the fetches of ``keys`` without waiting for them (a background
        refresh, queued at ``priority`` until someone more urgent joins it); returns each
        key's future."""
        waits = self._start(keys, fetch, keep, None, priority)
        return {key: call.future for key, call in waits.items()}

    def _start(
        self,
        keys: Sequence[K],
        fetch: Fetch[K, V],
        keep: Keep[K, V] | None,
        asker: Deadline | None,
        priority: VendorCallPriority,
    ) -> dict[K, _Call[V]]:
        loop = asyncio.get_running_loop()
        waits: dict[K, _Call[V]] = {}
        mine: dict[K, _Call[V]] = {}
        # Its own deadline and priority (the asker's for now), which later askers may extend.
        shared = _Fetch(None if asker is None else asker.copy(), priority)
        for key in keys:
            if key in waits:
                continue
            call = self._calls.get(key)
            if call is None:
                call = _Call(loop.create_future(), shared)
                self._calls[key] = mine[key] = call
            else:
                self.joined += 1
            waits[key] = call
        if mine:
            self.started += 1
            task = loop.create_task(self._run(mine, fetch, keep, shared), name="vendor-read")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return waits

    def forget(self, key: K) -> None:
        """A write changed ``key``: later readers start afresh; the running fetch is not kept."""
        call = self._calls.pop(key, None)
        if call is not None:
            call.current = False

    def forget_all(self) -> None:
        for key in list(self._calls):
            self.forget(key)

    def detach(self, key: K) -> None:
        """Later readers of ``key`` start afresh; the running fetch is still kept (its
        ``keep`` decides for itself whether its answer predates a change)."""
        self._calls.pop(key, None)

    def running(self) -> list[K]:
        return list(self._calls)

    async def _run(
        self,
        calls: dict[K, _Call[V]],
        fetch: Fetch[K, V],
        keep: Keep[K, V] | None,
        shared: _Fetch,
    ) -> None:
        keys = list(calls)
        try:
            with vendor_call_priority(shared.priority):
                if shared.deadline is None:
                    values = await fetch(keys)
                else:
                    with vendor_call_deadline(shared.deadline):
                        values = await fetch(keys)
            if len(values) != len(keys):
                raise RuntimeError(f"fetch answered {len(values)} values for {len(keys)} keys")
        except BaseException as exc:
            for call in calls.values():
                if not call.future.done():
                    if isinstance(exc, asyncio.CancelledError):
                        call.future.cancel()
                    else:
                        call.future.set_exception(exc)
                        # Nobody may be waiting any more; the exception was still handed out.
                        call.future.exception()
            if not isinstance(exc, Exception):
                raise
        else:
            for key, value in zip(keys, values, strict=True):
                call = calls[key]
                if call.current and keep is not None:
                    keep(key, value)
                if not call.future.done():
                    call.future.set_result(value)
        finally:
            for key, call in calls.items():
                if self._calls.get(key) is call:
                    del self._calls[key]

    async def aclose(self) -> None:
        """Cancel every running fetch (shutdown)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


async def _answer(future: asyncio.Future[V], asker: Deadline | None) -> V:
    """The fetch's answer, or ``RateLimited`` once the asking request gives up (the fetch is
    never cancelled by one of its askers: others may still wait for it)."""
    if asker is None:
        return await asyncio.shield(future)
    while not future.done() and not asker.given_up:
        await asyncio.wait((future, asker.gave_up_signal()), return_when=asyncio.FIRST_COMPLETED)
    if future.done():
        return future.result()
    raise no_slot_in_time(asker, 1.0)
