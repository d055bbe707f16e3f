"""Every request gets an id back, over HTTP and on the WebSocket handshake."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from tests.support.gateway import GatewayHandle, sandbox_gateway

QUERY = {"query": "{ vendors { vendor } }"}
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def test_a_plain_client_request_id_is_kept(gw: GatewayHandle) -> None:
    answer = gw.client.post(gw.graphql_url, json=QUERY, headers={"X-Request-ID": "web-7f3a.91"})
    assert answer.headers["x-request-id"] == "web-7f3a.91"


@pytest.mark.parametrize(
    "sent",
    [None, "short", "x" * 65, "has space in it", "jane.doe@example.com", "<script>alert(1)"],
)
def test_otherwise_the_gateway_makes_one(gw: GatewayHandle, sent: str | None) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = gw.client.post(gw.graphql_url, json=QUERY, headers=headers)
    second = gw.client.post(gw.graphql_url, json=QUERY, headers=headers)
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(GENERATED.fullmatch(i) for i in ids)
    assert ids[0] != ids[1]


def test_every_route_answers_with_an_id(gw: GatewayHandle) -> None:
    for path in ("/healthz", "/metrics", "/no-such-page"):
        assert GENERATED.fullmatch(gw.client.get(f"{gw.url}{path}").headers["x-request-id"])


async def test_the_websocket_handshake_carries_the_id(gw: GatewayHandle) -> None:
    async with connect(
        gw.ws_url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"X-Request-ID": "socket-request-1"},
    ) as socket:
        assert socket.response is not None
        assert socket.response.headers["x-request-id"] == "socket-request-1"
