"""``Waiters``: coroutines parked until someone wakes them all, holding no list while none
waits (there may be one per idle connection or subscription)."""

from __future__ import annotations

import asyncio


class Waiters:
    __slots__ = ("_futures",)

    def __init__(self) -> None:
        self._futures: list[asyncio.Future[None]] | None = None

    async def wait(self) -> None:
        """Until the next ``wake_all``; a cancelled waiter leaves nothing behind."""
        waiter = self.add()
        try:
            await waiter
        finally:
            self.discard(waiter)

    def add(self) -> asyncio.Future[None]:
        """A future resolved by the next ``wake_all``: awaiting it directly saves a caller the
        frame of ``wait`` (a frame per idle subscriber adds up); ``discard`` it after."""
        waiter = asyncio.get_running_loop().create_future()
        if self._futures is None:
            self._futures = []
        self._futures.append(waiter)
        return waiter

    def discard(self, waiter: asyncio.Future[None]) -> None:
        if self._futures and waiter in self._futures:
            self._futures.remove(waiter)

    def wake_all(self) -> None:
        futures, self._futures = self._futures, None
        for waiter in futures or ():
            if not waiter.done():
                waiter.set_result(None)
