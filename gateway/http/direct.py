"""``GatewayStarlette``: Starlette, with the GraphQL path taken straight to its endpoint.

Nearly every request is for ``/graphql``. Starlette would pass each through its error
middleware, exception middleware and router, each wrapping ``send`` again: a good share of the
framework's cost per request, and frames every idle WebSocket subscriber keeps alive. The
GraphQL view answers every failure itself, so those layers add nothing there. Everything else
(health probes, GraphiQL assets, the lifespan, ``/graphql/`` and any mounted root path) still
goes through Starlette as configured.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send


class GatewayStarlette(Starlette):
    def __init__(self, *, graphql_path: str, graphql_app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.graphql_path = graphql_path
        self._graphql_app = graphql_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "lifespan"
            and scope["path"] == self.graphql_path
            and not scope.get("root_path")
        ):
            scope["app"] = self
            await self._graphql_app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
