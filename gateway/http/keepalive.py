"""Server keep-alives on both GraphQL WebSocket protocols, driven by a timer.

Strawberry answers a graphql-transport-ws client's pings but sends none itself; proxies and
load balancers close WebSockets that stay silent while a subscription waits for a slow job, so
the server pings every ``interval`` seconds once the connection is acknowledged. On the legacy
graphql-ws protocol Strawberry sends ``ka`` messages from a task per connection that sleeps in
between; here a timer sends them instead.

Between two messages a connection holds only a timer: a sleeping task per connection would
cost each idle subscriber a task, a coroutine frame and a sleep future (about 1.5 KB).
"""

from __future__ import annotations

import asyncio
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


class PeriodicSender:
    """Calls ``send`` every ``interval_s`` seconds until stopped or until a send fails (the
    socket is gone: the read loop notices and shuts the connection down)."""

    __slots__ = ("_interval_s", "_send", "_sending", "_stopped", "_timer")

    def __init__(self, interval_s: float, send: Callable[[], Awaitable[None]]) -> None:
        self._interval_s = interval_s
        self._send = send
        self._timer: asyncio.TimerHandle | None = None
        self._sending: asyncio.Task[None] | None = None
        self._stopped = False

    def start(self) -> None:
        if not self._stopped:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._interval_s, self._fire)

    def _fire(self) -> None:
        self._sending = asyncio.ensure_future(self._send_once())

    async def _send_once(self) -> None:
        try:
            await self._send()
        except Exception:
            return
        finally:
            self._sending = None
        self.start()

    async def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        sending = self._sending
        if sending is not None:
            sending.cancel()
            with suppress(asyncio.CancelledError):
                await sending


class KeepAliveTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    ping_interval_s: float = DEFAULT_KEEPALIVE_S

    _pings: PeriodicSender | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # Strawberry's deadline task is over once the client said hello; a finished task
        # kept on the handler would stay for the connection's lifetime.
        self.connection_init_timeout_task = None
        if self.connection_acknowledged and self._pings is None:
            self._pings = PeriodicSender(self.ping_interval_s, self._send_ping)
            self._pings.start()

    async def _send_ping(self) -> None:
        await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        if self._pings is not None:
            await self._pings.stop()
        await super().shutdown()


class KeepAliveGraphQLWSHandler(BaseGraphQLWSHandler[Any, Any]):
    """The legacy protocol's ``ka`` messages: one at the acknowledgement (clients start their
    keep-alive watch on it), then one every ``keep_alive_interval`` seconds."""

    _kas: PeriodicSender | None = None
    _ka_interval_s: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.keep_alive and self.keep_alive_interval:
            self._ka_interval_s = self.keep_alive_interval
        # Strawberry's own keep-alive is a task per connection; the timer below replaces it.
        self.keep_alive = False

    async def handle_connection_init(self, message: LegacyConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        interval = self._ka_interval_s
        if self.connection_acknowledged and interval and self._kas is None:
            self._kas = PeriodicSender(interval, self._send_ka)
            await self._send_ka()
            self._kas.start()

    async def _send_ka(self) -> None:
        await self.send_message({"type": "ka"})

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self._kas is not None:
                await self._kas.stop()


def keepalive_handler_class(interval_s: float) -> type[KeepAliveTransportWSHandler]:
    return type(
        "KeepAliveTransportWSHandler",
        (KeepAliveTransportWSHandler,),
        {"ping_interval_s": interval_s},
    )
