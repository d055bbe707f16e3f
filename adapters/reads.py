"""Reading many ids from a vendor that answers one id per call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from adapters.errors import UpstreamError

T = TypeVar("T")


async def read_each(
    ids: Sequence[str], read: Callable[[str], Awaitable[T]], *, concurrency: int | None = None
) -> list[T]:
    """``read`` once per distinct id, at most ``concurrency`` at a time; answers in the order
    of ``ids``. A single id (the usual case) is read in place, without a task or a gate.

    When some ids fail with an ``UpstreamError`` and others were read, the first failure is
    raised carrying every id's answer in ``partial_answers`` (the value, or that id's error), so
    a caller can answer the rest; a caller that wants all or nothing just sees the failure.
    """
    unique = list(dict.fromkeys(ids))
    if len(unique) == 1:
        found: list[T | BaseException] = [await read(unique[0])]
    elif concurrency is None:
        found = list(await asyncio.gather(*(read(key) for key in unique), return_exceptions=True))
    else:
        gate = asyncio.Semaphore(concurrency)

        async def gated(key: str) -> T:
            async with gate:
                return await read(key)

        found = list(await asyncio.gather(*(gated(key) for key in unique), return_exceptions=True))
    failures = [item for item in found if isinstance(item, BaseException)]
    for failure in failures:
        if not isinstance(failure, UpstreamError):
            raise failure
    by_id = dict(zip(unique, found, strict=True))
    answers = [by_id[key] for key in ids]
    if failures:
        first = failures[0]
        assert isinstance(first, UpstreamError)
        if len(failures) < len(found):
            first.partial_answers = list(answers)
        raise first
    return answers  # type: ignore[return-value]
