"""Each HTTP request's deadline for the vendor calls it makes (``GATEWAY_VENDOR_QUEUE_S``).

A vendor call that has to queue for the vendor's budget waits until its request's deadline and
then answers ``RATE_LIMITED`` with ``retryAfter`` (``adapters.transport.Deadline``). A client
that disconnects gives its request up: its calls still queued leave the queue, never sent.

Noticing a disconnect means reading ``receive`` once the body is in, which only a request with
a call actually queued needs: the watch starts then, so a request served from the cache or
straight through pays nothing for it. From then on the watch is the only reader of ``receive``,
and hands what it read to the app (a streaming response listening for the disconnect too).
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.transport import Deadline, vendor_call_deadline


class _WatchedRequest:
    def __init__(self, receive: Receive, deadline: Deadline) -> None:
        self._receive = receive
        self._deadline = deadline
        self._body_done = False
        self._watch: asyncio.Task[Message] | None = None

    async def receive(self) -> Message:
        if self._watch is not None:
            return await asyncio.shield(self._watch)
        message = await self._receive()
        self._note(message)
        return message

    def start_watch(self) -> None:
        """A call of this request is queueing: from now on notice the client going away."""
        if self._watch is None and self._body_done:
            self._watch = asyncio.get_running_loop().create_task(
                self._wait_for_disconnect(), name="vendor-deadline-watch"
            )

    async def _wait_for_disconnect(self) -> Message:
        message = await self._receive()
        self._note(message)
        return message

    def _note(self, message: Message) -> None:
        if message["type"] == "http.disconnect":
            self._deadline.give_up()
        elif message["type"] == "http.request" and not message.get("more_body", False):
            self._body_done = True

    def stop(self) -> None:
        if self._watch is not None and not self._watch.done():
            self._watch.cancel()


class VendorDeadlineMiddleware:
    """Sets the deadline of every HTTP request's vendor calls, ``queue_s`` from its start."""

    def __init__(self, app: ASGIApp, *, queue_s: float) -> None:
        self.app = app
        self.queue_s = queue_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = Deadline.after(self.queue_s)
        request = _WatchedRequest(receive, deadline)
        deadline.on_first_wait = request.start_watch
        try:
            with vendor_call_deadline(deadline):
                await self.app(scope, request.receive, send)
        finally:
            request.stop()
