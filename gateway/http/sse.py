"""Server-Sent Events framed with bare line feeds, streamed from the request's own task.

Strawberry ends SSE lines with CR LF, which the event-stream grammar allows but not every reader
handles: urql splits its stream on a blank line written as two line feeds and so never sees an
event (it reports "No Content"). Line feeds alone are read the same way by every reader:
browsers' ``EventSource``, graphql-sse and urql.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.http.streaming import SSETransport

from gateway.http.keepalive import keepalive_clock
from gateway.http.sse_heartbeat import Heartbeats, HeartbeatStream


class LineFeedSSETransport(SSETransport):
    # A stream with nothing to say yet is open at once: uvicorn sends the headers with the
    # first body bytes, so without a comment first a client (and any proxy between) waited
    # for the first event or heartbeat to learn the subscription was accepted.
    send_initial_heartbeat = True

    def encode_event(self, event: str, data: str | None = None) -> str:
        if data and ("\r" in data or "\n" in data):
            raise ValueError("SSE event data must not contain newlines")
        # Browsers discard SSE events without a data field, so always send one.
        return f"event: {event}\ndata: {data or ''}\n\n"

    def encode_comment(self, comment: str) -> str:
        return f": {comment}\n\n"


class RequestTaskStreamingResponse(StreamingResponse):
    """Starlette's ``StreamingResponse``, streamed from the request's own task.

    Under ASGI before 2.4 (uvicorn says 2.3) Starlette streams from a second task in an anyio
    task group while the request's task waits for the client to leave: per idle SSE
    subscriber a task group, a cancel scope, an event and the frames between them (about
    3 KB). Here the request's task streams and one small task waits for the disconnect,
    which stops the stream as Starlette's cancel scope would.

    With ``heartbeats`` it also sends a heartbeat at each tick of the event loop's keep-alive
    clock, unless a chunk is going out at that moment (heartbeats never queue behind data).
    """

    def __init__(
        self,
        content: AsyncIterable[str | bytes],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        *,
        heartbeats: Heartbeats | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type, background)
        self.heartbeats = heartbeats

    async def stream_response(self, send: Send) -> None:
        heartbeats = self.heartbeats
        if heartbeats is None:
            await super().stream_response(send)
            return
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        sending = asyncio.Lock()

        async def send_chunk(chunk: str | bytes | memoryview) -> None:
            body = chunk.encode(self.charset) if isinstance(chunk, str) else chunk
            async with sending:
                await send({"type": "http.response.body", "body": body, "more_body": True})

        async def beat() -> None:
            if not sending.locked():
                await send_chunk(heartbeats.message())

        clock = keepalive_clock(heartbeats.interval_s)
        if heartbeats.initial:
            await send_chunk(heartbeats.message())
        clock.register(self, beat)
        try:
            async for chunk in self.body_iterator:
                await send_chunk(chunk)
        finally:
            await clock.unregister(self)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spec_version = scope.get("asgi", {}).get("spec_version", "2.0")
        if scope["type"] != "http" or tuple(map(int, spec_version.split("."))) >= (2, 4):
            await super().__call__(scope, receive, send)
            return
        streaming = asyncio.current_task()
        assert streaming is not None
        finished = False
        left = False

        async def watch_for_disconnect() -> None:
            nonlocal left
            try:
                await self.listen_for_disconnect(receive)
            finally:
                # Gone, or unreadable: either way the stream stops (unless it is over).
                if not finished:
                    left = True
                    streaming.cancel()

        watcher = asyncio.ensure_future(watch_for_disconnect())
        try:
            await self.stream_response(send)
        except asyncio.CancelledError:
            # Only the stop asked for here is absorbed; any other cancellation goes on.
            if not left or streaming.uncancel() > 0:
                raise
        finally:
            finished = True
            watcher.cancel()
        failure = watcher.exception() if watcher.done() and not watcher.cancelled() else None
        if failure is not None:
            raise failure
        if self.background is not None:
            await self.background()


class RequestTaskStreams:
    """Mixin for Strawberry's ASGI view (list it before the view class): streamed results
    (SSE, multipart) go out through ``RequestTaskStreamingResponse``, with the heartbeats a
    ``HeartbeatStream`` carries. Overrides the view's
    ``create_streaming_response``; tests/gateway/http/test_sse.py pins it."""

    async def create_streaming_response(
        self,
        request: Request | WebSocket,
        stream: Callable[[], AsyncIterator[str]],
        sub_response: Response,
        headers: Mapping[str, str],
    ) -> Response:
        return RequestTaskStreamingResponse(
            stream(),
            status_code=sub_response.status_code or 200,
            headers={**sub_response.headers, **headers},
            heartbeats=stream.heartbeats if isinstance(stream, HeartbeatStream) else None,
        )
