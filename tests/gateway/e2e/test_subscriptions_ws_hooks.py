"""WebSocket connection hooks on the gateway's GraphQL view, over real sockets.

A small schema stands in for the gateway's own so that each hook is seen on its own: accepting
by default, a pluggable authenticator that sees the init payload and handshake headers,
rejections with their reason on both WebSocket protocols, and the per-connection cap.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from collections.abc import AsyncGenerator, Iterator, Mapping
from typing import Any

import httpx
import pytest
import strawberry
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from gateway.errors import WebSocketRejected
from gateway.http.view import GatewayGraphQL
from gateway.http.ws_hooks import (
    AUTHENTICATOR_FAILED,
    WebSocketHooks,
    WsAuthenticator,
    WsConnection,
)
from tests.support.gateway import sandbox_gateway
from tests.support.observe import PATIENCE_S, until_subscriptions_open
from tests.support.servers import LoopbackServer, serve

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


@strawberry.type
class Query:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


# Lets every ``held`` subscription finish; set by the test from its own thread.
RELEASE = threading.Event()


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, count: int, gap: float = 0.0) -> AsyncGenerator[int, None]:
        for n in range(count):
            if gap:
                await asyncio.sleep(gap)
            yield n

    @strawberry.subscription
    async def held(self) -> AsyncGenerator[int, None]:
        """0, then 1 once the test releases it: open for exactly as long as the test needs."""
        yield 0
        await asyncio.to_thread(RELEASE.wait)
        yield 1

    @strawberry.subscription
    async def scope_header_count(self, info: strawberry.Info) -> AsyncGenerator[int, None]:
        """How many handshake headers the connection's ASGI scope still holds."""
        yield len(info.context["request"].scope["headers"])


SCHEMA = strawberry.Schema(query=Query, subscription=Subscription)


def test_the_gateway_view_carries_the_hooks() -> None:
    assert issubclass(GatewayGraphQL, WebSocketHooks)


async def _context(request: Any, response: Any) -> dict[str, Any]:
    return {"request": request, "response": response}


def _app(authenticator: WsAuthenticator | None, max_subscriptions: int | None = 100) -> Starlette:
    view = GatewayGraphQL(SCHEMA, context_getter=_context, keepalive_s=15.0)
    view.ws_authenticator = authenticator
    view.max_subscriptions_per_connection = max_subscriptions
    return Starlette(routes=[Route("/graphql", view), WebSocketRoute("/graphql", view)])


def _ws_url(server: LoopbackServer) -> str:
    return f"ws://127.0.0.1:{server.port}/graphql"


seen: list[WsConnection] = []


async def token_authenticator(connection: WsConnection) -> Mapping[str, object] | None:
    seen.append(connection)
    if connection.params.get("token") != "s3cret":
        raise WebSocketRejected("Invalid or missing token in connection_init payload")
    return {"user": "alice"}


async def broken_authenticator(connection: WsConnection) -> Mapping[str, object] | None:
    raise RuntimeError("identity provider at http://10.0.0.7/ is down")


@pytest.fixture
def open_server() -> Iterator[LoopbackServer]:
    with serve(_app(None)) as server:
        yield server


@pytest.fixture
def guarded_server() -> Iterator[LoopbackServer]:
    seen.clear()
    with serve(_app(token_authenticator)) as server:
        yield server


TICKS = gql("subscription { ticks(count: 3) }")


async def _ticks(url: str, subprotocol: str, **kwargs: Any) -> list[int]:
    transport = WebsocketsTransport(url=url, subprotocols=[subprotocol], **kwargs)
    async with asyncio.timeout(10), Client(transport=transport) as session:
        return [item["ticks"] async for item in session.subscribe(TICKS)]


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_connections_are_accepted_by_default(
    open_server: LoopbackServer, subprotocol: str
) -> None:
    assert await _ticks(_ws_url(open_server), subprotocol) == [0, 1, 2]


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_the_authenticator_sees_the_payload_and_headers_and_admits(
    guarded_server: LoopbackServer, subprotocol: str
) -> None:
    ticks = await _ticks(
        _ws_url(guarded_server),
        subprotocol,
        init_payload={"token": "s3cret"},
        headers={"Authorization": "Bearer abc"},
    )
    assert ticks == [0, 1, 2]
    assert len(seen) == 1
    assert seen[0].params == {"token": "s3cret"}
    assert seen[0].headers["authorization"] == "Bearer abc"
    assert seen[0].client is not None and seen[0].client.startswith("127.0.0.1:")


async def _raw_init(url: str, subprotocol: str, payload: dict[str, Any]) -> list[Any]:
    """Send connection_init; return the messages received and the close frame."""
    received: list[Any] = []
    async with asyncio.timeout(10), connect(url, subprotocols=[subprotocol]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            while True:
                received.append(json.loads(await ws.recv()))
        except ConnectionClosed as closed:
            received.append(closed.rcvd)
    return received


async def test_graphql_transport_ws_rejection_closes_4403_with_the_reason(
    guarded_server: LoopbackServer,
) -> None:
    received = await _raw_init(_ws_url(guarded_server), TRANSPORT_WS, {"token": "wrong"})
    close = received[-1]
    assert received[:-1] == []  # no connection_ack
    assert close.code == 4403
    assert close.reason == "Invalid or missing token in connection_init payload"


async def test_graphql_ws_rejection_sends_connection_error_and_the_reason(
    guarded_server: LoopbackServer,
) -> None:
    received = await _raw_init(_ws_url(guarded_server), LEGACY_WS, {})
    assert received[0] == {
        "type": "connection_error",
        "payload": {"message": "Invalid or missing token in connection_init payload"},
    }
    assert received[-1].code == 1011
    assert received[-1].reason == "Invalid or missing token in connection_init payload"


async def test_an_admitted_connection_gets_the_acknowledgement_payload(
    guarded_server: LoopbackServer,
) -> None:
    url = _ws_url(guarded_server)
    async with asyncio.timeout(10), connect(url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": "s3cret"}}))
        assert json.loads(await ws.recv()) == {
            "type": "connection_ack",
            "payload": {"user": "alice"},
        }


async def test_a_failing_authenticator_rejects_without_leaking_internals() -> None:
    with serve(_app(broken_authenticator)) as server:
        received = await _raw_init(_ws_url(server), TRANSPORT_WS, {})
    assert received[-1].code == 4403
    assert received[-1].reason == AUTHENTICATOR_FAILED
    assert "10.0.0.7" not in received[-1].reason


def test_long_reasons_are_cut_to_fit_a_close_frame() -> None:
    rejection = WebSocketRejected("é" * 200)
    assert len(rejection.reason.encode()) <= 123
    assert rejection.payload == {"message": rejection.reason}


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_one_connection_runs_at_most_the_configured_subscriptions(
    subprotocol: str,
) -> None:
    with serve(_app(None, max_subscriptions=2)) as server:
        transport = WebsocketsTransport(url=_ws_url(server), subprotocols=[subprotocol])
        held = gql("subscription { held }")
        RELEASE.clear()
        async with asyncio.timeout(60), Client(transport=transport) as session:

            async def run(document: Any, started: asyncio.Event | None = None) -> list[int]:
                items = []
                async for item in session.subscribe(document):
                    items.append(next(iter(item.values())))
                    if started is not None:
                        started.set()
                return items

            # Both slots are taken once each held subscription has sent its first item.
            started = [asyncio.Event(), asyncio.Event()]
            first = asyncio.create_task(run(held, started[0]))
            second = asyncio.create_task(run(held, started[1]))
            try:
                await asyncio.gather(*(event.wait() for event in started))
                with pytest.raises(TransportQueryError, match="Subscription limit reached"):
                    await run(TICKS)
            finally:
                RELEASE.set()
            assert await first == [0, 1]
            assert await second == [0, 1]
            # Finished subscriptions free their slots.
            assert await run(TICKS) == [0, 1, 2]


async def test_the_gateway_takes_its_subscription_limit_from_the_settings() -> None:
    tail = gql("subscription { integrationLog { code } }")
    with sandbox_gateway(max_subscriptions_per_connection=1) as gateway:
        transport = WebsocketsTransport(url=gateway.ws_url)
        async with (
            asyncio.timeout(PATIENCE_S),
            Client(transport=transport) as session,
            httpx.AsyncClient(timeout=10) as client,
        ):
            first = session.subscribe(tail)
            waiting = asyncio.create_task(anext(first))
            # A busy machine may take a while to start the first: the gateway's gauge says when.
            await until_subscriptions_open(client, gateway, 1)
            with pytest.raises(TransportQueryError, match="Subscription limit reached"):
                await anext(session.subscribe(tail))
            waiting.cancel()


def _messages_holding(query: str) -> list[dict[str, Any]]:
    """Live dicts that are a client's message (or its payload) carrying ``query``."""
    gc.collect()
    found = []
    for candidate in gc.get_objects():
        if not isinstance(candidate, dict):
            continue
        payload = candidate.get("payload", candidate)
        if isinstance(payload, dict) and payload.get("query") == query:
            found.append(candidate)
    return found


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_an_idle_connection_keeps_no_message_it_has_handled(
    open_server: LoopbackServer, subprotocol: str
) -> None:
    # The query text is this test's own, so any dict carrying it is a copy of the message.
    query = f"subscription Idle{subprotocol.replace('-', '_')} {{ held }}"
    start = "subscribe" if subprotocol == TRANSPORT_WS else "start"
    RELEASE.clear()
    url = _ws_url(open_server)
    async with asyncio.timeout(10), connect(url, subprotocols=[subprotocol]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        # A dict among the variables keeps the message tracked by the garbage collector;
        # the test keeps no dict of its own carrying the query.
        variables: dict[str, object] = {"unused": {}}
        payload_text = json.dumps({"query": query, "variables": variables})
        await ws.send(f'{{"id": "1", "type": "{start}", "payload": {payload_text}}}')
        first = json.loads(await ws.recv())
        while first["type"] == "ka":
            first = json.loads(await ws.recv())
        assert first["payload"] == {"data": {"held": 0}}
        try:
            assert _messages_holding(query) == []
        finally:
            RELEASE.set()


def _lists_holding_header(name: bytes) -> int:
    """Live lists of ASGI headers that include ``name``."""
    gc.collect()
    return sum(
        1
        for candidate in gc.get_objects()
        if isinstance(candidate, list)
        and any(isinstance(item, tuple) and item[:1] == (name,) for item in candidate)
    )


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_the_handshake_headers_go_once_the_connection_is_acknowledged(
    guarded_server: LoopbackServer, subprotocol: str
) -> None:
    header = f"x-handshake-{subprotocol}"
    transport = WebsocketsTransport(
        url=_ws_url(guarded_server),
        subprotocols=[subprotocol],
        init_payload={"token": "s3cret"},
        headers={"Authorization": "Bearer abc", header: "here"},
    )
    async with asyncio.timeout(10), Client(transport=transport) as session:
        subscription = session.subscribe(gql("subscription { scopeHeaderCount }"))
        counts = [item async for item in subscription]
        held = _lists_holding_header(header.encode())
    assert seen[0].headers["authorization"] == "Bearer abc"
    assert seen[0].headers[header] == "here"
    assert counts == [{"scopeHeaderCount": 0}]
    assert held == 0
