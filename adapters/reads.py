"""Reading many ids from a vendor that answers one id per call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def read_each(
    ids: Sequence[str], read: Callable[[str], Awaitable[T]], *, concurrency: int | None = None
) -> list[T]:
    """``read`` once per distinct id, at most ``concurrency`` at a time; answers in the order
    of ``ids``. A single id (the usual case) is read in place, without a task or a gate."""
    unique = list(dict.fromkeys(ids))
    if len(unique) == 1:
        found = [await read(unique[0])]
    elif concurrency is None:
        found = list(await asyncio.gather(*(read(key) for key in unique)))
    else:
        gate = asyncio.Semaphore(concurrency)

        async def gated(key: str) -> T:
            async with gate:
                return await read(key)

        found = list(await asyncio.gather(*(gated(key) for key in unique)))
    by_id = dict(zip(unique, found, strict=True))
    return [by_id[key] for key in ids]
