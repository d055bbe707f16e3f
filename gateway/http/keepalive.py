"""Server keep-alives on both GraphQL WebSocket protocols, driven by a timer.

Strawberry answers a graphql-transport-ws client's pings but sends none itself; proxies and
load balancers close WebSockets that stay silent while a subscription waits for a slow job, so
the server pings every ``interval`` seconds once the connection is acknowledged. On the legacy
graphql-ws protocol Strawberry sends ``ka`` messages from a task per connection that sleeps in
between; here a timer sends them instead.

Between two messages a connection holds only its place on a clock shared by every connection
of the event loop: a sleeping task per connection would cost each idle subscriber a task, a
coroutine frame and a sleep future (about 1.5 KB), and a timer of its own about 0.9 KB.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyConnectionInitMessage,
)

from gateway.defaults import DEFAULT_KEEPALIVE_S

Sender = Callable[[], Awaitable[None]]


class KeepAliveClock:
    """One timer for every connection of an event loop that keeps alive at one interval:
    each tick starts a send on every registered connection. uvloop's ``call_later`` costs
    about 0.9 KB per pending timer, i.e. per idle subscriber if each had its own; a
    registration here costs a dictionary entry. A send that fails (the socket is gone) is
    dropped: the connection's read loop notices and unregisters it.
    """

    def __init__(self, interval_s: float) -> None:
        self._interval_s = interval_s
        self._senders: dict[object, Sender] = {}
        self._sending: dict[object, asyncio.Task[None]] = {}
        self._timer: asyncio.TimerHandle | None = None

    def register(self, connection: object, send: Sender) -> None:
        self._senders[connection] = send
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._interval_s, self._tick)

    async def unregister(self, connection: object) -> None:
        self._senders.pop(connection, None)
        sending = self._sending.pop(connection, None)
        if sending is not None and not sending.done():
            sending.cancel()
            with suppress(asyncio.CancelledError):
                await sending

    def _tick(self) -> None:
        self._timer = None
        for connection, send in list(self._senders.items()):
            if connection in self._sending:
                continue  # the last one is still waiting for the socket
            task = asyncio.ensure_future(self._send_once(connection, send))
            self._sending[connection] = task
        if self._senders:
            self._timer = asyncio.get_running_loop().call_later(self._interval_s, self._tick)

    async def _send_once(self, connection: object, send: Sender) -> None:
        try:
            await send()
        except Exception:
            self._senders.pop(connection, None)
        finally:
            self._sending.pop(connection, None)


_CLOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, KeepAliveClock]] = (
    weakref.WeakKeyDictionary()
)


def keepalive_clock(interval_s: float) -> KeepAliveClock:
    """The running event loop's clock for ``interval_s``."""
    clocks = _CLOCKS.setdefault(asyncio.get_running_loop(), {})
    clock = clocks.get(interval_s)
    if clock is None:
        clock = clocks[interval_s] = KeepAliveClock(interval_s)
    return clock


class KeepAliveTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    ping_interval_s: float = DEFAULT_KEEPALIVE_S

    _clock: KeepAliveClock | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # Strawberry's deadline task is over once the client said hello; a finished task
        # kept on the handler would stay for the connection's lifetime.
        self.connection_init_timeout_task = None
        if self.connection_acknowledged and self._clock is None:
            self._clock = keepalive_clock(self.ping_interval_s)
            self._clock.register(self, self._send_ping)

    async def _send_ping(self) -> None:
        await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        if self._clock is not None:
            await self._clock.unregister(self)
        await super().shutdown()


class KeepAliveGraphQLWSHandler(BaseGraphQLWSHandler[Any, Any]):
    """The legacy protocol's ``ka`` messages: one at the acknowledgement (clients start their
    keep-alive watch on it), then one every ``keep_alive_interval`` seconds."""

    _clock: KeepAliveClock | None = None
    _ka_interval_s: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.keep_alive and self.keep_alive_interval:
            self._ka_interval_s = self.keep_alive_interval
        # Strawberry's own keep-alive is a task per connection; the clock replaces it.
        self.keep_alive = False

    async def handle_connection_init(self, message: LegacyConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        interval = self._ka_interval_s
        if self.connection_acknowledged and interval and self._clock is None:
            self._clock = keepalive_clock(interval)
            await self._send_ka()
            self._clock.register(self, self._send_ka)

    async def _send_ka(self) -> None:
        await self.send_message({"type": "ka"})

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self._clock is not None:
                await self._clock.unregister(self)


def keepalive_handler_class(interval_s: float) -> type[KeepAliveTransportWSHandler]:
    return type(
        "KeepAliveTransportWSHandler",
        (KeepAliveTransportWSHandler,),
        {"ping_interval_s": interval_s},
    )
