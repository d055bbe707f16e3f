"""Middleware added to the app sees every ``/graphql`` request: HTTP and WebSocket alike."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from websockets.sync.client import connect

from tests.support.gateway import GatewayHandle, sandbox_gateway


class Recording:
    """Records each scope it is handed and tags HTTP answers."""

    seen: list[tuple[str, str]] = []

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            Recording.seen.append((scope["type"], scope["path"]))

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-through", b"middleware")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, tagged)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(extra_middleware=[Middleware(Recording)]) as handle:
        yield handle


def test_a_graphql_post_passes_through_added_middleware(gw: GatewayHandle) -> None:
    Recording.seen.clear()
    response = gw.client.post(gw.graphql_url, json={"query": "{ vendors { vendor } }"})
    assert response.status_code == 200
    assert response.headers["x-through"] == "middleware"
    assert ("http", "/graphql") in Recording.seen


def test_a_graphql_websocket_passes_through_added_middleware(gw: GatewayHandle) -> None:
    Recording.seen.clear()
    with connect(gw.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=5))["type"] == "connection_ack"
    assert ("websocket", "/graphql") in Recording.seen


def test_other_routes_pass_through_it_too(gw: GatewayHandle) -> None:
    response = httpx.get(f"{gw.url}/healthz")
    assert response.headers["x-through"] == "middleware"
