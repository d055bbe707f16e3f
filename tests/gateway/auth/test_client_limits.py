"""The per-client request rate in one process: 429 with Retry-After, per client."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import httpx
from redis.asyncio import Redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.auth.authenticator import Authenticator
from gateway.auth.limits import ClientLimits
from gateway.auth.principal import OPEN_ACCESS
from gateway.auth.settings import AuthSettings, ClientLimitSettings
from gateway.auth.setup import AccessControl
from tests.support.auth import write_api_keys
from tests.support.gateway import sandbox_gateway
from tests.support.redis import RedisServer

QUERY = {"query": "{ vendors { vendor } }"}


async def test_a_client_over_its_request_rate_gets_429_with_retry_after(tmp_path: Path) -> None:
    clients = write_api_keys(tmp_path / "keys", {"busy": (), "calm": ()})
    with sandbox_gateway(
        auth=AuthSettings(api_keys_file=str(tmp_path / "keys")),
        client_limits=ClientLimitSettings(requests_per_s=1),
    ) as gw:
        async with httpx.AsyncClient(timeout=10) as client:
            # All at once, so they fall in one second however slow the machine is.
            answers = await asyncio.gather(
                *(
                    client.post(gw.graphql_url, json=QUERY, headers=clients["busy"].header)
                    for _ in range(8)
                )
            )
            calm = await client.post(gw.graphql_url, json=QUERY, headers=clients["calm"].header)
    refused = [a for a in answers if a.status_code == 429]
    assert any(a.status_code == 200 for a in answers)
    assert refused, [a.status_code for a in answers]
    for answer in refused:
        assert int(answer.headers["retry-after"]) >= 1
        error = answer.json()["errors"][0]
        assert error["extensions"] == {
            "code": "RATE_LIMITED",
            "retryAfter": int(answer.headers["retry-after"]),
        }
        assert "'busy'" in error["message"]
    assert calm.status_code == 200


async def test_websocket_connections_count_against_the_request_rate(tmp_path: Path) -> None:
    clients = write_api_keys(tmp_path / "keys", {"busy": ("orders:read",)})
    with sandbox_gateway(
        auth=AuthSettings(api_keys_file=str(tmp_path / "keys")),
        client_limits=ClientLimitSettings(requests_per_s=1),
    ) as gw:

        async def connect_once() -> str:
            async with connect(gw.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
                init = {"type": "connection_init", "payload": clients["busy"].header}
                await ws.send(json.dumps(init))
                try:
                    answer: str = json.loads(await ws.recv())["type"]
                except ConnectionClosed as closed:
                    assert closed.rcvd is not None and closed.rcvd.code == 4403
                    return closed.rcvd.reason
                return answer

        outcomes = await asyncio.gather(*(connect_once() for _ in range(8)))
    assert "connection_ack" in outcomes
    assert any(outcome.startswith("Too many requests; retry after") for outcome in outcomes)


def test_nested_fields_that_reach_a_vendor_count_against_the_cost_budget(tmp_path: Path) -> None:
    clients = write_api_keys(tmp_path / "keys", {"shop": ("orders:read",)})
    heavy = """
    fragment Buyer on Contact { email orders(first: 2) { edges { node { orderId } } } }
    { order(vendor: ENGAGE, orderId: "ENG-1004") { orderId contact { ...Buyer } } }"""
    light = '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId } }'
    with sandbox_gateway(
        auth=AuthSettings(api_keys_file=str(tmp_path / "keys")),
        client_limits=ClientLimitSettings(cost_per_minute=4),
    ) as gw:
        codes = []
        for query in (heavy, light, light):
            body = gw.post(query, headers=clients["shop"].header)
            codes.append([e["extensions"]["code"] for e in body.get("errors") or []])
    # order + contact + orders = 3, then 1 more fits the 4 a minute, the next does not.
    assert codes == [[], [], ["RATE_LIMITED"]]


def test_limits_let_requests_through_while_redis_is_down(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    if not redis_server.running:
        redis_server.start()
    clients = write_api_keys(tmp_path / "keys", {"shop": ()})
    with sandbox_gateway(
        auth=AuthSettings(api_keys_file=str(tmp_path / "keys")),
        client_limits=ClientLimitSettings(requests_per_s=100, cost_per_minute=100),
        redis_url=redis_server.url,
        redis_key_prefix=f"limits-down-{uuid.uuid4().hex[:8]}",
    ) as gw:
        assert gw.client.post(gw.graphql_url, json=QUERY, headers=clients["shop"].header).is_success
        redis_server.stop()
        try:
            down = gw.client.post(gw.graphql_url, json=QUERY, headers=clients["shop"].header)
        finally:
            redis_server.start()
    assert down.status_code == 200
    assert down.json()["data"]["vendors"]


async def test_closing_access_control_closes_the_limits_connections_to_redis(
    redis_server: RedisServer,
) -> None:
    if not redis_server.running:
        redis_server.start()
    limits = ClientLimits(
        ClientLimitSettings(requests_per_s=100),
        redis_url=redis_server.url,
        key_prefix=f"limits-close-{uuid.uuid4().hex[:8]}",
    )
    control = AccessControl(Authenticator(open_access=True), limits=limits)
    observer = Redis.from_url(redis_server.url)
    try:
        before = len(await observer.client_list())
        assert await limits.admit_request(OPEN_ACCESS) is None
        assert len(await observer.client_list()) > before  # the limits opened a connection
        await control.aclose()
        assert len(await observer.client_list()) == before
    finally:
        await observer.aclose()


async def test_a_subscription_over_the_cost_budget_on_a_websocket_is_rate_limited(
    tmp_path: Path,
) -> None:
    clients = write_api_keys(tmp_path / "keys", {"shop": ("orders:read",)})
    subscription = 'subscription { jobProgress(id: "not-a-job") { state } }'
    with sandbox_gateway(
        auth=AuthSettings(api_keys_file=str(tmp_path / "keys")),
        client_limits=ClientLimitSettings(cost_per_minute=1),
    ) as gw:
        async with connect(gw.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": clients["shop"].header})
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            codes = []
            for operation_id in ("1", "2"):
                payload = {"query": subscription}
                await ws.send(
                    json.dumps({"id": operation_id, "type": "subscribe", "payload": payload})
                )
                seen: list[str] = []
                while True:
                    answer = json.loads(await ws.recv())
                    assert answer["id"] == operation_id, answer
                    if answer["type"] == "complete":
                        break
                    errors = (
                        answer["payload"]
                        if answer["type"] == "error"
                        else answer["payload"]["errors"]
                    )
                    seen.extend(error["extensions"]["code"] for error in errors)
                    if answer["type"] == "error":
                        break
                codes.append(seen)
    # The first fits the budget of one vendor call a minute (its id is refused); the second
    # does not, and says so (the socket has no header to carry Retry-After).
    assert codes == [["INVALID_ID"], ["RATE_LIMITED"]]
