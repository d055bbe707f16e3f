"""``Mailbox``: the message buffer of one subscription.

An idle subscriber is nothing but its buffer, and there may be thousands. ``asyncio.Queue``
builds four deques and an event up front (about 3 KB); a mailbox holds no deque until a message
arrives (and none again once it is drained) and one future while its reader waits.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

from gateway.waiters import Waiters

T = TypeVar("T")


class Mailbox(Generic[T]):
    """First in, first out; after ``end``, readers get what is left, then the end."""

    __slots__ = ("_ended", "_error", "_items", "_waiters")

    def __init__(self) -> None:
        self._items: deque[T] | None = None
        self._waiters = Waiters()
        self._ended = False
        self._error: BaseException | None = None

    def __len__(self) -> int:
        return len(self._items) if self._items else 0

    @property
    def ended(self) -> bool:
        return self._ended

    def put(self, item: T) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        self._wake()

    def end(self, error: BaseException | None = None) -> None:
        """No more messages; once drained, ``get`` raises ``error`` or ``StopAsyncIteration``."""
        if not self._ended:
            self._ended, self._error = True, error
        self._wake()

    async def get(self) -> T:
        while not self._items:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            waiter = self._waiters.add()
            try:
                await waiter
            finally:
                self._waiters.discard(waiter)
        item = self._items.popleft()
        if not self._items:
            # Most subscribers hear a message now and then and wait long in between: an
            # emptied deque would keep its block (about 600 bytes) for nothing.
            self._items = None
        return item

    def _wake(self) -> None:
        self._waiters.wake_all()
