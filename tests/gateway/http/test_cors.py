"""Browser origins (GATEWAY_CORS_ORIGINS): CORS preflights and answers, WebSocket handshakes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin, Subprotocol

from gateway.http.cors import cors_middleware
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.servers import serve

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


def _vary(response: httpx.Response) -> list[str]:
    return [name for (name, _) in response.headers.multi_items() if name.lower() == "vary"]


@pytest.mark.parametrize("path", ["/graphql", "/healthz", "/metrics"])
def test_every_answer_varies_by_origin_once_whether_or_not_one_was_sent(
    listed: GatewayHandle, path: str
) -> None:
    url = listed.url + path
    body = {"query": "{ vendors { vendor } }"}

    def answer(**headers: str) -> httpx.Response:
        if path == "/graphql":
            return listed.client.post(url, json=body, headers=headers)
        return listed.client.get(url, headers=headers)

    for response in (answer(), answer(Origin=OTHER), answer(Origin=APP)):
        assert response.status_code == 200
        assert _vary(response) == ["vary"]
        assert response.headers["vary"] == "Origin"
    without, refused = answer(), answer(Origin=OTHER)
    same = {"content-type", "vary"}
    assert {k: v for k, v in without.headers.items() if k in same} == {
        k: v for k, v in refused.headers.items() if k in same
    }


def test_a_vary_of_the_answers_own_is_kept_beside_origin() -> None:
    async def varies(request: Request) -> Response:
        return PlainTextResponse("ok", headers={"Vary": "Accept-Encoding"})

    app = Starlette(routes=[Route("/", varies)], middleware=[cors_middleware((APP,))])
    with serve(app) as server, httpx.Client(timeout=10) as client:
        for headers in ({}, {"Origin": OTHER}, {"Origin": APP}):
            response = client.get(server.url + "/", headers=headers)
            assert _vary(response) == ["vary"]
            assert response.headers["vary"] == "Accept-Encoding, Origin"
