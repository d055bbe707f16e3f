"""read_each: one read per distinct id, bounded concurrency, answers in the caller's order."""

from __future__ import annotations

import asyncio

import pytest

from adapters.errors import VendorUnavailable
from adapters.reads import read_each


async def test_each_distinct_id_is_read_once_and_answers_follow_the_request() -> None:
    calls: list[str] = []

    async def read(key: str) -> str:
        calls.append(key)
        await asyncio.sleep(0.01 if key == "a" else 0)
        return key.upper()

    assert await read_each(["a", "b", "a", "c"], read) == ["A", "B", "A", "C"]
    assert sorted(calls) == ["a", "b", "c"]


async def test_concurrency_is_bounded() -> None:
    running = peak = 0

    async def read(key: str) -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return key

    assert await read_each([str(i) for i in range(10)], read, concurrency=3) == [
        str(i) for i in range(10)
    ]
    assert peak == 3


async def test_a_single_id_is_read_in_the_callers_task() -> None:
    caller = asyncio.current_task()

    async def read(key: str) -> asyncio.Task[object] | None:
        return asyncio.current_task()

    assert await read_each(["only", "only"], read, concurrency=2) == [caller, caller]


async def test_a_failed_read_fails_the_whole_call() -> None:
    async def read(key: str) -> str:
        if key == "bad":
            raise LookupError(key)
        return key

    with pytest.raises(LookupError):
        await read_each(["good", "bad"], read)
    with pytest.raises(LookupError):
        await read_each(["bad"], read)


async def test_some_ids_failing_raise_the_first_failure_carrying_every_answer() -> None:
    async def read(key: str) -> str:
        if key == "b":
            raise VendorUnavailable("down for b")
        return key.upper()

    with pytest.raises(VendorUnavailable) as caught:
        await read_each(["a", "b", "c", "a"], read, concurrency=2)
    answers = caught.value.partial_answers
    assert answers is not None
    assert answers[0] == "A" and answers[2] == "C" and answers[3] == "A"
    assert isinstance(answers[1], VendorUnavailable)


async def test_every_id_failing_raises_without_partial_answers() -> None:
    async def read(key: str) -> str:
        raise VendorUnavailable(f"down for {key}")

    with pytest.raises(VendorUnavailable) as caught:
        await read_each(["a", "b"], read)
    assert caught.value.partial_answers is None
