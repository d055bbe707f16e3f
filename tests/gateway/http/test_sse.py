"""Streamed responses from the request's own task: items in order then the end, a client
that leaves stops the stream, any other cancellation goes on, and the Starlette and
Strawberry internals relied on pinned."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import AsyncGenerator, Iterator

import httpx
import pytest
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from gateway.http.sse import RequestTaskStreamingResponse, RequestTaskStreams
from gateway.http.view import GatewayGraphQL
from tests.support.servers import LoopbackServer, serve


class Recorder:
    """What the app saw, written from the server's thread."""

    def __init__(self) -> None:
        self.same_task: bool | None = None
        self.stopped = threading.Event()
        self.background_ran = threading.Event()


def _app(recorder: Recorder, count: int | None) -> object:
    """Streams ``count`` lines (or lines until stopped, when ``None``)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        calling = asyncio.current_task()

        async def lines() -> AsyncGenerator[str, None]:
            recorder.same_task = asyncio.current_task() is calling
            try:
                n = 0
                while count is None or n < count:
                    yield f"line {n}\n"
                    n += 1
                    await asyncio.sleep(0.01)
            finally:
                recorder.stopped.set()

        response = RequestTaskStreamingResponse(
            lines(), background=BackgroundTask(recorder.background_ran.set)
        )
        await response(scope, receive, send)

    return app


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def endless(recorder: Recorder) -> Iterator[LoopbackServer]:
    with serve(_app(recorder, None)) as server:
        yield server


def test_lines_come_in_order_from_the_request_task_then_the_end(recorder: Recorder) -> None:
    with serve(_app(recorder, 5)) as server:
        response = httpx.get(server.url, timeout=10)
    assert response.status_code == 200
    assert response.text == "".join(f"line {n}\n" for n in range(5))
    assert recorder.same_task is True
    assert recorder.stopped.is_set() and recorder.background_ran.is_set()


async def test_a_client_that_leaves_stops_the_stream(
    endless: LoopbackServer, recorder: Recorder
) -> None:
    async with (
        asyncio.timeout(10),
        httpx.AsyncClient() as client,
        client.stream("GET", endless.url) as response,
    ):
        lines = response.aiter_lines()
        assert await anext(lines) == "line 0"
        assert await anext(lines) == "line 1"
    assert await asyncio.to_thread(recorder.stopped.wait, 5)
    assert recorder.same_task is True
    # The stream ended as Starlette's would on a disconnect: the background still runs.
    assert await asyncio.to_thread(recorder.background_ran.wait, 5)


async def test_a_cancellation_from_elsewhere_is_not_absorbed() -> None:
    stopped = asyncio.Event()
    never: asyncio.Future[Message] = asyncio.get_running_loop().create_future()

    async def receive() -> Message:
        return await never  # the client never leaves

    async def send(message: Message) -> None:
        pass

    async def lines() -> AsyncGenerator[str, None]:
        try:
            while True:
                yield "line\n"
                await asyncio.sleep(0.01)
        finally:
            stopped.set()

    scope: Scope = {"type": "http", "asgi": {"spec_version": "2.3"}}
    task = asyncio.create_task(RequestTaskStreamingResponse(lines())(scope, receive, send))
    await asyncio.sleep(0.05)
    task.cancel()  # e.g. the server shutting down
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stopped.is_set()


def test_the_view_streams_through_it_and_the_internals_relied_on_are_there() -> None:
    assert issubclass(GatewayGraphQL, RequestTaskStreams)
    assert GatewayGraphQL.create_streaming_response is RequestTaskStreams.create_streaming_response
    # The method replaced, with the same parameters.
    ours = inspect.signature(RequestTaskStreams.create_streaming_response).parameters
    strawberry = inspect.signature(GraphQL.create_streaming_response).parameters
    assert list(ours) == list(strawberry)
    # What the response calls of Starlette's, and the version check it mirrors.
    assert callable(StreamingResponse.listen_for_disconnect)
    assert callable(StreamingResponse.stream_response)
    assert "spec_version >= (2, 4)" in inspect.getsource(StreamingResponse.__call__)
