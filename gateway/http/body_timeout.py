"""A deadline for each piece of a request body: a client that stops sending mid-body gets 408
instead of holding its connection and request task for ever."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import BodyTimedOut
from gateway.http.refusal import send_refusal


class BodyTimeoutMiddleware:
    def __init__(self, app: ASGIApp, *, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            # Handed straight on: a WebSocket would keep a frame of this call for its lifetime.
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        response_started = False
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()  # waiting for a disconnect is not reading a body
            try:
                # A deadline on this task, not ``wait_for``'s task of its own per receive: the
                # body of nearly every request has arrived already, and that task and its
                # extra turn of the event loop were a cost on every request.
                async with asyncio.timeout(self.timeout_s):
                    message = await receive()
            except TimeoutError:
                raise BodyTimedOut from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except BodyTimedOut:
            if response_started:
                raise
            await _request_timeout(scope, send, self.timeout_s)


async def _request_timeout(scope: Scope, send: Send, timeout_s: float) -> None:
    await send_refusal(
        scope,
        send,
        408,
        f"The request body stalled for more than {timeout_s:g} s",
        {"code": BodyTimedOut.code},
        headers={"connection": "close"},
    )
