"""Callbacks told of a change while a block runs: how a queued call follows the deadline or
the priority it waits under when someone else moves it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Watchers(Generic[T]):
    __slots__ = ("_callbacks",)

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    @contextlib.contextmanager
    def watching(self, callback: Callable[[T], None]) -> Iterator[None]:
        """``callback(value)`` is called at each ``notify`` inside the block."""
        self._callbacks.append(callback)
        try:
            yield
        finally:
            self._callbacks.remove(callback)

    def notify(self, value: T) -> None:
        for callback in list(self._callbacks):
            callback(value)
