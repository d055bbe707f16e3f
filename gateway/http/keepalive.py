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


class KeepAliveTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    ping_interval_s: float = 15.0

    _ping_task: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._ping_task is None:
            self._ping_task = asyncio.create_task(self._ping_forever())

    async def _ping_forever(self) -> None:
        # A failed send means the socket is gone; the read loop notices and shuts down.
        with suppress(Exception):
            while True:
                await asyncio.sleep(self.ping_interval_s)
                await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        if self._ping_task is not None:
            self._ping_task.cancel()
            with suppress(asyncio.CancelledError):
                await self._ping_task
        await super().shutdown()


def keepalive_handler_class(interval_s: float) -> type[KeepAliveTransportWSHandler]:
    return type(
        "KeepAliveTransportWSHandler",
        (KeepAliveTransportWSHandler,),
        {"ping_interval_s": interval_s},
    )
