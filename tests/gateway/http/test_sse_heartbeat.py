"""Heartbeats sent by the streamed response from a timer: Strawberry's behaviour (order,
heartbeats while the stream is silent, the first at once if asked, none queued behind data,
errors raised, the source read no further ahead than sent and stopped with the response),
and the Strawberry internals the view's override relies on pinned."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator, AsyncIterator

import pytest
from starlette.types import Message, Scope
from strawberry.http.async_base_view import AsyncBaseHTTPView

from gateway.http.sse import RequestTaskStreamingResponse
from gateway.http.sse_heartbeat import Heartbeats, HeartbeatStream

BEAT = ": heartbeat\n\n"
SCOPE: Scope = {"type": "http", "asgi": {"spec_version": "2.3"}}


class Client:
    """The ASGI side of one streamed response: what was sent, and a send that can be held
    (a client that stops reading)."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.ended = asyncio.Event()
        self.reading = asyncio.Event()
        self.reading.set()
        self._never: asyncio.Future[Message] = asyncio.get_running_loop().create_future()

    async def receive(self) -> Message:
        return await self._never  # the client stays

    async def send(self, message: Message) -> None:
        if message["type"] != "http.response.body":
            return
        await self.reading.wait()
        if message.get("more_body"):
            self.bodies.append(message["body"].decode())
        else:
            self.ended.set()

    async def bodies_after(self, count: int) -> list[str]:
        async with asyncio.timeout(5):
            while len(self.bodies) < count:
                await asyncio.sleep(0.005)
        return self.bodies[:count]


def _respond(
    source: AsyncIterator[str], client: Client, interval_s: float, *, initial: bool = False
) -> asyncio.Task[None]:
    heartbeats = Heartbeats(message=lambda: BEAT, interval_s=interval_s, initial=initial)
    response = RequestTaskStreamingResponse(source, heartbeats=heartbeats)
    return asyncio.create_task(response(SCOPE, client.receive, client.send))


async def test_items_come_in_order_then_the_stream_ends() -> None:
    async def source() -> AsyncGenerator[str, None]:
        for n in range(5):
            yield f"item {n}"

    client = Client()
    await asyncio.wait_for(_respond(source(), client, 60), timeout=5)
    assert client.bodies == [f"item {n}" for n in range(5)] and client.ended.is_set()


async def test_a_silent_source_gets_heartbeats_first_one_at_once_if_asked() -> None:
    release = asyncio.Event()

    async def source() -> AsyncGenerator[str, None]:
        await release.wait()
        yield "news"

    client = Client()
    task = _respond(source(), client, 0.05, initial=True)
    assert await client.bodies_after(3) == [BEAT, BEAT, BEAT]
    release.set()
    await asyncio.wait_for(task, timeout=5)
    assert client.bodies[-1] == "news" and set(client.bodies[:-1]) == {BEAT}


async def test_heartbeats_do_not_queue_behind_data_a_client_is_not_reading() -> None:
    async def source() -> AsyncGenerator[str, None]:
        yield "first"
        await asyncio.Event().wait()
        yield "never"

    made: list[float] = []

    def heartbeat() -> str:
        made.append(asyncio.get_running_loop().time())
        return BEAT

    client = Client()
    client.reading.clear()
    heartbeats = Heartbeats(message=heartbeat, interval_s=0.01, initial=False)
    response = RequestTaskStreamingResponse(source(), heartbeats=heartbeats)
    task = asyncio.create_task(response(SCOPE, client.receive, client.send))
    await asyncio.sleep(0.2)  # twenty ticks while "first" cannot go out
    assert made == []  # none made to wait behind it
    client.reading.set()
    assert (await client.bodies_after(2))[0] == "first"
    assert client.bodies[1] == BEAT  # and they resume once it is out
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_source_is_read_no_further_ahead_than_sent() -> None:
    produced: list[int] = []

    async def source() -> AsyncGenerator[str, None]:
        for n in range(10):
            produced.append(n)
            yield str(n)

    client = Client()
    client.reading.clear()
    task = _respond(source(), client, 60)
    await asyncio.sleep(0.05)
    assert produced == [0]  # "0" waits for the client; "1" is not asked for yet
    client.reading.set()
    await asyncio.wait_for(task, timeout=5)
    assert client.bodies == [str(n) for n in range(10)]


async def test_the_source_error_reaches_the_response() -> None:
    async def source() -> AsyncGenerator[str, None]:
        yield "before"
        raise RuntimeError("vendor gone")

    client = Client()
    with pytest.raises(RuntimeError, match="vendor gone"):
        await asyncio.wait_for(_respond(source(), client, 60), timeout=5)
    assert client.bodies == ["before"]


async def test_ending_the_response_stops_the_source_and_its_heartbeats() -> None:
    stopped = asyncio.Event()

    async def source() -> AsyncGenerator[str, None]:
        try:
            yield "one"
            await asyncio.Event().wait()
            yield "never"
        finally:
            stopped.set()

    client = Client()
    task = _respond(source(), client, 0.01)
    assert await client.bodies_after(2) == ["one", BEAT]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stopped.is_set()
    sent = len(client.bodies)
    await asyncio.sleep(0.05)
    assert len(client.bodies) == sent


def test_a_heartbeat_stream_is_its_text_stream() -> None:
    async def source() -> AsyncGenerator[str, None]:
        yield "x"

    heartbeats = Heartbeats(message=lambda: BEAT, interval_s=1.0, initial=False)
    stream = HeartbeatStream(source, heartbeats)
    generator = stream()
    assert inspect.isasyncgen(generator) and stream.heartbeats is heartbeats


def test_strawberry_still_merges_heartbeats_where_the_view_overrides() -> None:
    """Pins the internals ``TimerHeartbeats`` relies on: a Strawberry release that renames or
    reshapes them fails here first."""
    stream_result = inspect.signature(AsyncBaseHTTPView._stream_result)
    assert list(stream_result.parameters) == ["self", "request", "result", "transport"]
    process = inspect.signature(AsyncBaseHTTPView._process_stream_result)
    assert list(process.parameters) == ["self", "request", "value", "all_pending"]
    source = inspect.getsource(AsyncBaseHTTPView._stream_result)
    assert "merge_stream_with_heartbeat(" in source
    # What _stream_result returns goes to create_streaming_response as it is.
    assert "self._stream_result(request, result, transport)," in inspect.getsource(
        AsyncBaseHTTPView._create_streaming_response
    )
