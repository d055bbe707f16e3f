"""JWT bearer tokens, signed by a key pair made at test time and served from a real JWKS
endpoint on loopback, accepted or refused alike over HTTP, graphql-transport-ws, graphql-ws
and SSE."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from adapters.model import Vendor
from gateway.auth.settings import AuthSettings
from tests.gateway.e2e.orders_support import WRITE_ORDER, order_input
from tests.support.auth import (
    AUDIENCE,
    ISSUER,
    JwksEndpoint,
    SigningKey,
    bearer,
    claims,
    hs256_with_public_key,
    sign,
    unsigned,
)
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.subscription_clients import gateway_task_count

TRANSPORT_WS = Subprotocol("graphql-transport-ws")
LEGACY_WS = Subprotocol("graphql-ws")
ORDER_QUERY = '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId } }'
JOB_PROGRESS = "subscription($id: ID!) { jobProgress(id: $id) { state } }"


@dataclass
class Setting:
    gw: GatewayHandle
    jwks: JwksEndpoint
    key: SigningKey
    job_id: str


@pytest.fixture(scope="module")
def setting() -> Iterator[Setting]:
    key = SigningKey.generate()
    with JwksEndpoint(key).running() as jwks:
        auth = AuthSettings(
            jwks_url=jwks.url, issuer=ISSUER, audience=AUDIENCE, leeway_s=5, jwks_refresh_min_s=0
        )
        with sandbox_gateway(auth=auth) as gw:
            token = sign(key, claims(scope="orders:read orders:write"))
            written = gw.post(
                WRITE_ORDER,
                {
                    "input": {
                        "vendor": "EXPERTSENDER",
                        "mode": "ADD",
                        "order": order_input(Vendor.EXPERTSENDER, "AUTH-JWT-1"),
                    }
                },
                headers=bearer(token),
            )
            job_id = written["data"]["writeOrder"]["job"]["id"]
            yield Setting(gw, jwks, key, job_id)


Forge = Callable[[SigningKey], str]

CASES: dict[str, tuple[Forge, str | None]] = {
    # name: (token maker, None if accepted else a word of the refusal)
    "valid": (lambda key: sign(key, claims()), None),
    "expired": (lambda key: sign(key, claims(expires_in=-120)), "expired"),
    "wrong issuer": (
        lambda key: sign(key, claims(issuer="https://evil.example.test/")),
        "issuer",
    ),
    "wrong audience": (lambda key: sign(key, claims(audience="another-api")), "audience"),
    "unknown kid": (lambda key: sign(SigningKey.generate("stranger"), claims()), "unknown key"),
    "alg none": (lambda key: unsigned(claims(), key.kid), "'none'"),
    "HS256 with the public key": (
        lambda key: hs256_with_public_key(key, claims()),
        "'HS256'",
    ),
}


async def over_http(setting: Setting, token: str) -> tuple[bool, str]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            setting.gw.graphql_url, json={"query": ORDER_QUERY}, headers=bearer(token)
        )
    body = response.json()
    if response.status_code == 200:
        return body["data"]["order"]["orderId"] == "ENG-1001", ""
    assert response.status_code == 401, body
    assert response.headers["www-authenticate"].startswith('Bearer realm="order-gateway"')
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    return False, body["errors"][0]["message"]


async def over_transport_ws(setting: Setting, token: str) -> tuple[bool, str]:
    async with connect(setting.gw.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": bearer(token)}))
        try:
            ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4403
            return False, closed.rcvd.reason
        assert ack["type"] == "connection_ack"
        await ws.send(
            json.dumps({"type": "subscribe", "id": "1", "payload": {"query": ORDER_QUERY}})
        )
        result = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return result["payload"]["data"]["order"]["orderId"] == "ENG-1001", ""


async def over_legacy_ws(setting: Setting, token: str) -> tuple[bool, str]:
    async with connect(setting.gw.ws_url, subprotocols=[LEGACY_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": bearer(token)}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if answer["type"] == "connection_error":
            return False, str(answer["payload"]["message"])
        assert answer["type"] == "connection_ack"
        # Strawberry's graphql-ws runs subscriptions only.
        payload = {"query": JOB_PROGRESS, "variables": {"id": setting.job_id}}
        await ws.send(json.dumps({"type": "start", "id": "1", "payload": payload}))
        while (result := json.loads(await asyncio.wait_for(ws.recv(), 10)))["type"] == "ka":
            pass
        return result["payload"]["data"]["jobProgress"]["state"] == "COMPLETED", ""


async def over_sse(setting: Setting, token: str) -> tuple[bool, str]:
    body = {"query": JOB_PROGRESS, "variables": {"id": setting.job_id}}
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            setting.gw.graphql_url,
            json=body,
            headers={**bearer(token), "Accept": "text/event-stream"},
        )
        if response.status_code == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
            return False, response.json()["errors"][0]["message"]
        states: list[str] = []
        async with aconnect_sse(
            client, "POST", setting.gw.graphql_url, json=body, headers=bearer(token)
        ) as source:
            async for event in source.aiter_sse():
                if event.event == "next":
                    states.append(json.loads(event.data)["data"]["jobProgress"]["state"])
        return states == ["COMPLETED"], ""


TRANSPORTS: dict[str, Callable[[Setting, str], Any]] = {
    "http": over_http,
    TRANSPORT_WS: over_transport_ws,
    LEGACY_WS: over_legacy_ws,
    "sse": over_sse,
}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("case", list(CASES))
async def test_tokens_are_accepted_or_refused_alike_on_every_transport(
    setting: Setting, case: str, transport: str
) -> None:
    forge, refusal = CASES[case]
    fetches_before = setting.jwks.fetches
    accepted, reason = await TRANSPORTS[transport](setting, forge(setting.key))
    if refusal is None:
        assert accepted
    else:
        assert not accepted
        assert refusal in reason
    if case == "unknown kid":
        # The key set was fetched again before the token was refused.
        assert setting.jwks.fetches > fetches_before


async def test_a_key_added_to_the_jwks_is_found_by_a_refresh(setting: Setting) -> None:
    rotated = SigningKey.generate("rotated")
    setting.jwks.keys.append(rotated)
    try:
        accepted, _ = await over_http(setting, sign(rotated, claims()))
    finally:
        setting.jwks.keys.remove(rotated)
    assert accepted


async def test_no_credential_is_401_with_a_bare_challenge(setting: Setting) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(setting.gw.graphql_url, json={"query": ORDER_QUERY})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="order-gateway"'


async def test_the_upgrade_header_authenticates_a_websocket(setting: Setting) -> None:
    token = sign(setting.key, claims())
    async with connect(
        setting.gw.ws_url,
        subprotocols=[TRANSPORT_WS],
        additional_headers=bearer(token),
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"


async def test_a_websocket_is_closed_with_4403_when_its_token_expires(setting: Setting) -> None:
    tasks_before = gateway_task_count(setting.gw)
    token = sign(setting.key, claims(expires_in=2))
    async with connect(setting.gw.ws_url, subprotocols=[TRANSPORT_WS]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": bearer(token)}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        subscription = {"query": "subscription { integrationLog { code } }"}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": subscription}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 15)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403
    assert "expired" in closed.value.rcvd.reason
    # The live tail ended with the connection: nothing of it keeps running in the gateway.
    for _ in range(100):
        if gateway_task_count(setting.gw) <= tasks_before:
            break
        await asyncio.sleep(0.05)
    assert gateway_task_count(setting.gw) <= tasks_before


async def test_a_legacy_websocket_cannot_skip_connection_init(setting: Setting) -> None:
    async with connect(setting.gw.ws_url, subprotocols=[LEGACY_WS]) as ws:
        payload = {"query": JOB_PROGRESS, "variables": {"id": setting.job_id}}
        await ws.send(json.dumps({"type": "start", "id": "1", "payload": payload}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_only_the_graphiql_page_and_preflights_pass_without_a_credential(
    setting: Setting,
) -> None:
    url = setting.gw.graphql_url
    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(url, headers={"Accept": "text/html"})
        preflight = await client.options(
            url,
            headers={"Origin": "http://app.test", "Access-Control-Request-Method": "POST"},
        )
        get_query = await client.get(url, params={"query": ORDER_QUERY}, headers={"Accept": "*/*"})
        health = await client.get(f"{setting.gw.url}/healthz")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert preflight.status_code != 401
    # GET with ?query= executes (even for a browser asking for HTML): it needs a credential.
    assert get_query.status_code == 401
    assert health.status_code == 200


async def test_an_sse_stream_ends_when_its_token_expires(setting: Setting) -> None:
    tasks_before = gateway_task_count(setting.gw)
    token = sign(setting.key, claims(expires_in=2))
    body = {"query": "subscription { integrationLog { code } }"}
    events: list[tuple[str, str]] = []

    async def read() -> None:
        async with (
            httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=30.0)) as client,
            aconnect_sse(
                client, "POST", setting.gw.graphql_url, json=body, headers=bearer(token)
            ) as source,
        ):
            async for event in source.aiter_sse():
                events.append((event.event, event.data))

    await asyncio.wait_for(read(), 30)  # the stream ends by itself
    assert events[-1][0] == "complete"
    error = json.loads(events[-2][1])["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in error["message"]
    for _ in range(100):  # the operation behind the stream ended too
        if gateway_task_count(setting.gw) <= tasks_before:
            break
        await asyncio.sleep(0.05)
    assert gateway_task_count(setting.gw) <= tasks_before
