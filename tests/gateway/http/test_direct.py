"""GatewayStarlette: the GraphQL path skips Starlette's layers; everything else keeps them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.http.direct import GatewayStarlette
from tests.support.servers import serve


class Tagging:
    """A Starlette middleware that marks every answer passing through it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                message = {**message, "headers": [*headers, (b"x-through", b"starlette")]}
            await send(message)

        await self.app(scope, receive, tagged)


class GraphQLApp:
    """Stands in for the GraphQL endpoint (an ASGI object, as in ``gateway.app``)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")
        response = PlainTextResponse(f"graphql via {type(app).__name__}")
        await response(scope, receive, send)


graphql_app = GraphQLApp()


async def other(request: Request) -> Response:
    return PlainTextResponse("other")


def build(started: list[bool]) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started.append(True)
        yield

    return GatewayStarlette(
        graphql_path="/graphql",
        graphql_app=graphql_app,
        routes=[Route("/graphql", graphql_app), Route("/other", other)],
        middleware=[Middleware(Tagging)],
        lifespan=lifespan,
    )


def test_the_graphql_path_goes_straight_to_its_app() -> None:
    started: list[bool] = []
    with serve(build(started)) as server:
        direct = httpx.post(f"{server.url}/graphql", content=b"{}")
        routed = httpx.get(f"{server.url}/other")
        slashed = httpx.get(f"{server.url}/graphql/", follow_redirects=False)
    assert direct.text == "graphql via GatewayStarlette"
    assert "x-through" not in direct.headers
    assert routed.text == "other"
    assert routed.headers["x-through"] == "starlette"
    assert slashed.status_code == 307  # Starlette's own trailing-slash redirect
    assert started == [True]


async def test_under_a_root_path_starlette_routes_as_configured() -> None:
    app = build([])
    transport = httpx.ASGITransport(app=app, root_path="/api")
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        answer = await client.post("/api/graphql", content=b"{}")
    assert answer.text == "graphql via GatewayStarlette"
    assert answer.headers["x-through"] == "starlette"
