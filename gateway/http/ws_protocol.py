"""uvicorn's sans-I/O WebSocket protocol with a lighter idle connection.

An idle subscriber is mostly its connection, and uvicorn's protocol keeps per connection an
``asyncio.Queue`` of received messages (four deques, about 3 KB, allocated up front) and an
``asyncio.Event`` for back-pressure (one more deque), and it (and the websockets parser) keep
the handshake's request and response (both header sets, about 3 KB) for as long as the socket
is open, and a timer of its own for the next protocol ping. This protocol
buffers received messages in a ``Mailbox`` (no deque while nothing waits), uses a
``ReadyFlag`` for back-pressure, lets the handshake go (its headers emptied) once it is
answered (the ASGI scope keeps its own copy of the request headers), and waits for its next
ping on the event loop's ``PingClock``.

It relies on three attributes of ``WebSocketsSansIOProtocol`` (``queue``, ``writable``,
``request``/``response``) and the methods it calls on them, and on its ping methods
(``schedule_ping`` arms the next ping, ``stop_keepalive`` disarms it, ``send_keepalive_ping``
sends it); tests/gateway/http/
test_ws_protocol.py pins them, so a uvicorn release that changes them fails there first.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from gateway.http.ping_clock import ping_clock
from gateway.mailbox import Mailbox
from gateway.waiters import Waiters


class ReceiveQueue:
    """What uvicorn asks of its receive queue, on a ``Mailbox``: ``put_nowait``, ``get``,
    ``empty``."""

    __slots__ = ("_mailbox",)

    def __init__(self) -> None:
        self._mailbox: Mailbox[ASGIReceiveEvent] = Mailbox()

    def put_nowait(self, message: ASGIReceiveEvent) -> None:
        self._mailbox.put(message)

    def get(self) -> Coroutine[Any, Any, ASGIReceiveEvent]:
        # The mailbox's own awaitable: no frame of this method stays while the socket idles.
        return self._mailbox.get()

    def empty(self) -> bool:
        return len(self._mailbox) == 0

    def qsize(self) -> int:
        return len(self._mailbox)


class ReadyFlag:
    """``asyncio.Event``'s ``set``/``clear``/``is_set``/``wait``, holding waiters only while
    someone waits (the transport's write buffer is full)."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters = Waiters()

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        self._waiters.wake_all()

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        while not self._set:
            await self._waiters.wait()
        return True


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue: Any = ReceiveQueue()
        ready = ReadyFlag()
        ready.set()
        self.writable: Any = ready

    async def send(self, message: ASGISendEvent) -> None:
        answering_handshake = not self.handshake_complete
        await super().send(message)
        if answering_handshake and self.handshake_complete:
            # uvicorn reads the handshake only to answer it; after that it is dead weight.
            # The request's headers are emptied too: the websockets parser's frame keeps the
            # request object itself for as long as the connection lives.
            self.request.headers.clear()
            self.request: Any = None
            self.response: Any = None

    def schedule_ping(self) -> None:
        # uvicorn's own: a timer per connection, due the interval less the last round trip.
        assert self.ping_interval is not None
        ping_clock(self.loop, self.ping_interval).schedule(self)

    def stop_keepalive(self) -> None:
        if self.ping_interval is not None:
            ping_clock(self.loop, self.ping_interval).cancel(self)
        super().stop_keepalive()
