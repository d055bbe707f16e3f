"""Server-Sent Events framed with bare line feeds, streamed from the request's own task.

Strawberry ends SSE lines with CR LF, which the event-stream grammar allows but not every reader
handles: urql splits its stream on a blank line written as two line feeds and so never sees an
event (it reports "No Content"). Line feeds alone are read the same way by every reader:
browsers' ``EventSource``, graphql-sse and urql.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.http.streaming import SSETransport


class LineFeedSSETransport(SSETransport):
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
    """

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
    (SSE, multipart) go out through ``RequestTaskStreamingResponse``. Overrides the view's
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
        )
