"""Identical vendor reads in flight at the same time are made once and shared.

A read asked for while the same key is already being fetched (by any request of the process)
waits for that fetch instead of calling the vendor again. Each fetch runs in a task of its own,
so a client that goes away does not cancel the answer the others are waiting for.

``forget(key)`` detaches a fetch from its key, for a write that changed what it reads: whoever
asks after the write starts a new fetch, and the detached fetch's answer is handed only to those
who were already waiting for it, never kept (its ``keep`` is not called).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[list[K]], Awaitable[Sequence[V]]]
Keep = Callable[[K, V], None]


class _Call(Generic[V]):
    __slots__ = ("current", "future")

    def __init__(self, future: asyncio.Future[V]) -> None:
        self.future = future
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
        waits = self.start(keys, fetch, keep=keep)
        if len(waits) == 1:
            only = next(iter(waits.values()))
            value = await asyncio.shield(only)
            return [value for _ in keys]
        answers = {key: await asyncio.shield(future) for key, future in waits.items()}
        return [answers[key] for key in keys]

    def start(
        self, keys: Sequence[K], fetch: Fetch[K, V], *, keep: Keep[K, V] | None = None
    ) -> dict[K, asyncio.Future[V]]:
        """Join or start the fetches of ``keys`` without waiting for them (a background
        refresh); returns each key's future."""
        loop = asyncio.get_running_loop()
        waits: dict[K, asyncio.Future[V]] = {}
        mine: dict[K, _Call[V]] = {}
        for key in keys:
            if key in waits:
                continue
            call = self._calls.get(key)
            if call is None:
                call = _Call(loop.create_future())
                self._calls[key] = mine[key] = call
            else:
                self.joined += 1
            waits[key] = call.future
        if mine:
            self.started += 1
            task = loop.create_task(self._run(mine, fetch, keep), name="vendor-read")
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
        self, calls: dict[K, _Call[V]], fetch: Fetch[K, V], keep: Keep[K, V] | None
    ) -> None:
        keys = list(calls)
        try:
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
