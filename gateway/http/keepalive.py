"""Server pings on graphql-transport-ws connections.

Strawberry answers the client's pings but sends none itself; proxies and load balancers close
WebSockets that stay silent while a subscription waits for a slow job, so the server pings
every ``interval`` seconds once the connection is acknowledged.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from gateway.defaults import DEFAULT_KEEPALIVE_S


class KeepAliveTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    ping_interval_s: float = DEFAULT_KEEPALIVE_S

    # Between pings a connection holds only a timer: a sleeping task per connection would
    # cost each idle subscriber a coroutine frame and a task (about 1.5 KB).
    _ping_timer: asyncio.TimerHandle | None = None
    _ping_sending: asyncio.Task[None] | None = None
    _pings_stopped: bool = False

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._ping_timer is None:
            self._schedule_ping()

    def _schedule_ping(self) -> None:
        if not self._pings_stopped:
            loop = asyncio.get_running_loop()
            self._ping_timer = loop.call_later(self.ping_interval_s, self._ping)

    def _ping(self) -> None:
        self._ping_sending = asyncio.ensure_future(self._send_ping())

    async def _send_ping(self) -> None:
        try:
            await self.send_message({"type": "ping"})
        except Exception:
            return  # the socket is gone; the read loop notices and shuts down
        finally:
            self._ping_sending = None
        self._schedule_ping()

    async def shutdown(self) -> None:
        self._pings_stopped = True
        if self._ping_timer is not None:
            self._ping_timer.cancel()
        sending = self._ping_sending
        if sending is not None:
            sending.cancel()
            with suppress(asyncio.CancelledError):
                await sending
        await super().shutdown()


def keepalive_handler_class(interval_s: float) -> type[KeepAliveTransportWSHandler]:
    return type(
        "KeepAliveTransportWSHandler",
        (KeepAliveTransportWSHandler,),
        {"ping_interval_s": interval_s},
    )
