"""Heartbeats merged by a timer: Strawberry's behaviour (order, heartbeats only while silent,
errors raised, the source read at most one item ahead and stopped with the response), and the
Strawberry internals the view's override relies on pinned."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator

import pytest
from strawberry.http.async_base_view import AsyncBaseHTTPView

from gateway.http.sse_heartbeat import merge_with_heartbeat

BEAT = ": heartbeat"


async def _take(stream: AsyncGenerator[str, None], count: int) -> list[str]:
    return [await asyncio.wait_for(anext(stream), timeout=5) for _ in range(count)]


async def test_items_come_in_order_then_the_stream_ends() -> None:
    async def source() -> AsyncGenerator[str, None]:
        for n in range(5):
            yield f"item {n}"

    merged = merge_with_heartbeat(source, lambda: BEAT, 60, send_initial_heartbeat=False)
    assert [item async for item in merged()] == [f"item {n}" for n in range(5)]


async def test_a_silent_source_gets_heartbeats_first_one_at_once_if_asked() -> None:
    release = asyncio.Event()

    async def source() -> AsyncGenerator[str, None]:
        await release.wait()
        yield "news"

    stream = merge_with_heartbeat(source, lambda: BEAT, 0.05, send_initial_heartbeat=True)()
    assert await _take(stream, 3) == [BEAT, BEAT, BEAT]
    release.set()
    rest = await _take(stream, 1)
    while rest[-1] == BEAT:  # a heartbeat may have been due as the news came
        rest = await _take(stream, 1)
    assert rest == ["news"]
    await stream.aclose()


async def test_heartbeats_do_not_pile_up_behind_an_unread_item() -> None:
    async def source() -> AsyncGenerator[str, None]:
        yield "first"
        await asyncio.Event().wait()
        yield "never"

    stream = merge_with_heartbeat(source, lambda: BEAT, 0.01, send_initial_heartbeat=False)()
    first = await _take(stream, 1)
    await asyncio.sleep(0.2)  # twenty intervals unread
    # At most one heartbeat waits: the one due while the box was empty.
    assert first == ["first"] and await _take(stream, 1) == [BEAT]
    await stream.aclose()


async def test_the_source_is_read_at_most_one_item_ahead() -> None:
    produced: list[int] = []

    async def source() -> AsyncGenerator[str, None]:
        for n in range(10):
            produced.append(n)
            yield str(n)

    stream = merge_with_heartbeat(source, lambda: BEAT, 60, send_initial_heartbeat=False)()
    assert await _take(stream, 1) == ["0"]
    await asyncio.sleep(0.05)
    assert len(produced) <= 2
    assert await _take(stream, 9) == [str(n) for n in range(1, 10)]
    await stream.aclose()


async def test_the_source_error_reaches_the_response() -> None:
    async def source() -> AsyncGenerator[str, None]:
        yield "before"
        raise RuntimeError("vendor gone")

    stream = merge_with_heartbeat(source, lambda: BEAT, 60, send_initial_heartbeat=False)()
    assert await _take(stream, 1) == ["before"]
    with pytest.raises(RuntimeError, match="vendor gone"):
        await _take(stream, 1)


async def test_closing_the_response_stops_the_source() -> None:
    stopped = asyncio.Event()

    async def source() -> AsyncGenerator[str, None]:
        try:
            yield "one"
            await asyncio.Event().wait()
            yield "never"
        finally:
            stopped.set()

    stream = merge_with_heartbeat(source, lambda: BEAT, 60, send_initial_heartbeat=False)()
    assert await _take(stream, 1) == ["one"]
    await stream.aclose()
    assert stopped.is_set()


def test_strawberry_still_merges_heartbeats_where_the_view_overrides() -> None:
    """Pins the internals ``TimerHeartbeats`` relies on: a Strawberry release that renames or
    reshapes them fails here first."""
    stream_result = inspect.signature(AsyncBaseHTTPView._stream_result)
    assert list(stream_result.parameters) == ["self", "request", "result", "transport"]
    process = inspect.signature(AsyncBaseHTTPView._process_stream_result)
    assert list(process.parameters) == ["self", "request", "value", "all_pending"]
    source = inspect.getsource(AsyncBaseHTTPView._stream_result)
    assert "merge_stream_with_heartbeat(" in source
    assert "self._stream_result(" in inspect.getsource(AsyncBaseHTTPView)
