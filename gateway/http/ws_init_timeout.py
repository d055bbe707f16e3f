"""A ``connection_init`` deadline for the legacy graphql-ws protocol.

graphql-transport-ws has one in Strawberry (``connection_init_wait_timeout``, closing with
4408); the legacy protocol has none, so a socket that never says hello would stay open for
ever. This handler gives it the same deadline and the same close code, on top of the
timer-driven keep-alive of ``gateway.http.keepalive``.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from strawberry.subscriptions.protocols.graphql_ws.types import ConnectionInitMessage

from gateway.http.keepalive import KeepAliveGraphQLWSHandler
from gateway.http.ws_messages import CONNECTION_INIT_TIMEOUT_CLOSE_CODE


class InitDeadlineGraphQLWSHandler(KeepAliveGraphQLWSHandler):
    init_timeout_s: float = 10.0
    _init_deadline: asyncio.TimerHandle | None = None
    _closing: asyncio.Task[None] | None = None

    async def handle(self) -> None:
        loop = asyncio.get_running_loop()
        self._init_deadline = loop.call_later(self.init_timeout_s, self._init_timed_out)
        try:
            await super().handle()
        finally:
            if self._init_deadline is not None:
                self._init_deadline.cancel()
            if self._closing is not None:
                with suppress(Exception):
                    await self._closing

    def _init_timed_out(self) -> None:
        if not self.connection_acknowledged:
            self._closing = asyncio.ensure_future(
                self.websocket.close(
                    code=CONNECTION_INIT_TIMEOUT_CLOSE_CODE,
                    reason="Connection initialisation timeout",
                )
            )

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self._init_deadline is not None:
            self._init_deadline.cancel()
            self._init_deadline = None  # a cancelled timer kept for the connection's lifetime
        await super().handle_connection_init(message)


def init_deadline_handler_class(timeout_s: float) -> type[InitDeadlineGraphQLWSHandler]:
    return type(
        "InitDeadlineGraphQLWSHandler",
        (InitDeadlineGraphQLWSHandler,),
        {"init_timeout_s": timeout_s},
    )
