"""Each HTTP request's deadline for the vendor calls it makes (``GATEWAY_VENDOR_QUEUE_S``), and
the same patience for each operation on a WebSocket and each event of a subscription, which
take deadlines of their own (``gateway.schema.operation_deadline``).

A vendor call that has to queue for the vendor's budget waits until its request's deadline and
then answers ``RATE_LIMITED`` with ``retryAfter`` (``adapters.transport.Deadline``). A client
that disconnects gives its request up: its calls still queued leave the queue, never sent.

Noticing a disconnect means reading ``receive`` once the body is in, which only a request with
a call actually queued needs: the watch starts then, so a request served from the cache or
straight through pays nothing for it. From then on the watch is the only reader of ``receive``,
and hands what it read to the app (a streaming response listening for the disconnect too).
A request without a body (a GET query) is watched as soon as a call queues; the empty body
message the watch reads first is handed to the app when it asks.
"""

from __future__ import annotations

import asyncio
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.transport import Deadline, vendor_call_deadline, vendor_call_patience


def _has_body(scope: Scope) -> bool:
    """Whether the request says a body follows (HTTP/1.1: a length or a chunked encoding)."""
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


class _WatchedRequest:
    def __init__(self, scope: Scope, receive: Receive, deadline: Deadline) -> None:
        self._receive = receive
        self._deadline = deadline
        # A request without a body (a GET query) has nothing for the app to read first.
        self._body_done = not _has_body(scope)
        self._watch: asyncio.Task[Message] | None = None
        # Request messages the watch read before the app asked for them (the empty body of a
        # request without one), and the app's receives waiting for the next of them.
        self._pending: deque[Message] = deque()
        self._arrivals: list[asyncio.Future[None]] = []

    async def receive(self) -> Message:
        if self._watch is None:
            message = await self._receive()
            self._note(message)
            return message
        while not self._pending and not self._watch.done():
            arrival = asyncio.get_running_loop().create_future()
            self._arrivals.append(arrival)
            try:
                await asyncio.wait((self._watch, arrival), return_when=asyncio.FIRST_COMPLETED)
            finally:
                if arrival in self._arrivals:
                    self._arrivals.remove(arrival)
        if self._pending:
            return self._pending.popleft()
        return self._watch.result()

    def start_watch(self) -> None:
        """A call of this request is queueing: from now on notice the client going away."""
        if self._watch is None and self._body_done:
            self._watch = asyncio.get_running_loop().create_task(
                self._wait_for_disconnect(), name="vendor-deadline-watch"
            )

    async def _wait_for_disconnect(self) -> Message:
        while True:
            message = await self._receive()
            self._note(message)
            if message["type"] != "http.request":
                return message
            # Not read by the app yet: handed to it when it asks.
            self._pending.append(message)
            for arrival in self._arrivals:
                if not arrival.done():
                    arrival.set_result(None)

    def _note(self, message: Message) -> None:
        if message["type"] == "http.disconnect":
            self._deadline.give_up()
        elif message["type"] == "http.request" and not message.get("more_body", False):
            self._body_done = True

    def stop(self) -> None:
        if self._watch is not None and not self._watch.done():
            self._watch.cancel()


class VendorDeadlineMiddleware:
    """Sets the deadline of every HTTP request's vendor calls, ``queue_s`` from its start, and
    the patience of each WebSocket operation and subscription event."""

    def __init__(self, app: ASGIApp, *, queue_s: float) -> None:
        self.app = app
        self.queue_s = queue_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # No deadline for the connection: each of its operations takes its own.
            with vendor_call_patience(self.queue_s):
                await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = Deadline.after(self.queue_s)
        request = _WatchedRequest(scope, receive, deadline)
        deadline.on_first_wait = request.start_watch
        try:
            # A subscription's events (SSE) each take a deadline of their own as well.
            with vendor_call_deadline(deadline), vendor_call_patience(self.queue_s):
                await self.app(scope, request.receive, send)
        finally:
            request.stop()
