"""Browser origins (GATEWAY_CORS_ORIGINS): CORS preflights and answers, WebSocket handshakes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin, Subprotocol

from tests.support.gateway import GatewayHandle, sandbox_gateway

APP = "https://app.example.com"
OTHER = "https://evil.example.net"


@pytest.fixture(scope="module")
def listed() -> Iterator[GatewayHandle]:
    with sandbox_gateway(cors_origins=(APP,)) as handle:
        yield handle


@pytest.fixture(scope="module")
def default() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def preflight(gw: GatewayHandle, origin: str) -> tuple[int, dict[str, str]]:
    response = gw.client.options(
        gw.graphql_url,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    return response.status_code, dict(response.headers)


def websocket_opens(gw: GatewayHandle, origin: str) -> bool:
    try:
        protocols = [Subprotocol("graphql-transport-ws")]
        with connect(gw.ws_url, origin=Origin(origin), subprotocols=protocols) as ws:
            ws.send(json.dumps({"type": "connection_init"}))
            return bool(json.loads(ws.recv(timeout=5))["type"] == "connection_ack")
    except InvalidStatus as exc:
        assert exc.response.status_code == 403
        return False


def test_a_preflight_from_a_listed_origin_is_accepted(listed: GatewayHandle) -> None:
    status, headers = preflight(listed, APP)
    assert status == 200
    assert headers["access-control-allow-origin"] == APP
    assert headers["access-control-allow-credentials"] == "true"
    assert "authorization" in headers["access-control-allow-headers"].lower()
    assert "POST" in headers["access-control-allow-methods"]


def test_a_preflight_from_another_origin_is_refused(listed: GatewayHandle) -> None:
    status, headers = preflight(listed, OTHER)
    assert status == 400
    assert "access-control-allow-origin" not in headers


def test_an_answer_to_a_listed_origin_carries_the_cors_headers(listed: GatewayHandle) -> None:
    response = listed.client.post(
        listed.graphql_url, json={"query": "{ vendors { vendor } }"}, headers={"Origin": APP}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP
    other = listed.client.post(
        listed.graphql_url, json={"query": "{ vendors { vendor } }"}, headers={"Origin": OTHER}
    )
    assert "access-control-allow-origin" not in other.headers


def test_a_websocket_from_a_listed_origin_is_accepted_and_another_refused(
    listed: GatewayHandle,
) -> None:
    assert websocket_opens(listed, APP)
    assert not websocket_opens(listed, OTHER)


def test_by_default_only_the_gateways_own_origin_may_connect(default: GatewayHandle) -> None:
    status, headers = preflight(default, APP)
    assert status == 400
    assert "access-control-allow-origin" not in headers
    assert not websocket_opens(default, APP)
    assert websocket_opens(default, default.url)


def test_any_origin_for_the_sandbox() -> None:
    with sandbox_gateway(cors_origins=("*",)) as gw:
        status, headers = preflight(gw, OTHER)
        assert status == 200
        assert headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in headers
        assert websocket_opens(gw, OTHER)
