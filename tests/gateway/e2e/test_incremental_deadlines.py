"""The vendor calls of @defer's later payloads queue under their operation's deadline and leave
the queue, never sent, once the operation is stopped: over graphql-transport-ws (the client
sends ``complete``), SSE and multipart/mixed (the client hangs up), against the Engage emulator
over real loopback connections.

The Engage budget is one call every five seconds, spent just before each operation: the
deferred order read queues about five seconds for its slot while the first payload (a contact,
from ExpertSender) is already in the client's hands. The legacy graphql-ws protocol carries
subscriptions only, which graphql-core refuses to defer: it has no later payloads to check.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from adapters.model import Vendor
from gateway.settings import VendorSettings
from tests.gateway.e2e.orders_support import requests, reset_requests
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.subscription_clients import LEGACY_WS, TRANSPORT_WS

RATE_PER_S = 0.2
# Patient enough for the deferred read's slot, a whole interval after the spent one.
QUEUE_S = 2 / RATE_PER_S
EMAIL = "jonas.lind@example.com"
DEFERRED_ORDER = """query($email: String!, $id: String!) {
  contact(vendor: EXPERTSENDER, email: $email) { email }
  ... @defer(label: "order") { order(vendor: ENGAGE, orderId: $id) { orderId } }
}"""
MULTIPART_ACCEPT = "multipart/mixed;incrementalSpec=v0.2"
EVENT_STREAM_ACCEPT = "text/event-stream"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(
        engage=VendorSettings(rate_limit_per_s=RATE_PER_S),
        cache_ttl_s=0.0,
        vendor_queue_s=QUEUE_S,
    ) as handle:
        yield handle


def _variables(order_id: str) -> dict[str, str]:
    return {"email": EMAIL, "id": order_id}


def _order_reads(gw: GatewayHandle, order_id: str) -> int:
    log = requests(gw, Vendor.ENGAGE)["log"]
    return sum(1 for e in log if e["method"] == "GET" and e["path"].endswith(f"/{order_id}"))


async def _while_the_read_queues() -> None:
    """Long enough for the deferred read to reach the queue (its slot is seconds away).

    The gateway's gauge counts only calls waiting for a client's share, not for the vendor's
    budget, so there is nothing closer to watch; on a machine too slow to queue the read by
    then, the read is stopped before it queues, and is never sent all the same."""
    await asyncio.sleep(1.5)


async def _spend_the_budget(gw: GatewayHandle) -> None:
    """One Engage read now: the next call's slot is a whole interval away."""
    reset_requests(gw, Vendor.ENGAGE)
    async with httpx.AsyncClient(timeout=30.0) as client:
        body = {"query": 'query { order(vendor: ENGAGE, orderId: "SPENT-1") { orderId } }'}
        answer = (await client.post(gw.graphql_url, json=body)).json()
    assert answer == {"data": {"order": None}}, answer


def _past_the_slot() -> None:
    time.sleep(1.0 / RATE_PER_S + 1.5)


@asynccontextmanager
async def _open(gw: GatewayHandle, protocol: str) -> AsyncIterator[ClientConnection]:
    async with connect(gw.ws_url, subprotocols=[Subprotocol(protocol)]) as socket:
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        yield socket


async def _next_of(socket: ClientConnection, operation: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 20.0))
        if message.get("id") == operation:
            return message


async def _deferred_over_transport_ws(gw: GatewayHandle, order_id: str) -> list[dict[str, Any]]:
    await _spend_the_budget(gw)
    async with _open(gw, TRANSPORT_WS) as socket:
        payload = {"query": DEFERRED_ORDER, "variables": _variables(order_id)}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        received = [await _next_of(socket, "1")]
        while received[-1]["type"] != "complete":
            received.append(await _next_of(socket, "1"))
        return received


def test_a_deferred_read_waits_for_its_slot_over_transport_ws(gw: GatewayHandle) -> None:
    received = asyncio.run(_deferred_over_transport_ws(gw, "ENG-1001"))
    assert [m["type"] for m in received] == ["next", "next", "complete"], received
    first, later = received[0]["payload"], received[1]["payload"]
    assert first["data"] == {"contact": {"email": EMAIL}}
    assert first["hasNext"] is True
    assert later["incremental"] == [{"id": "0", "data": {"order": {"orderId": "ENG-1001"}}}]
    assert later["hasNext"] is False


async def _stopped_while_deferred_read_queues(gw: GatewayHandle, order_id: str) -> None:
    await _spend_the_budget(gw)
    async with _open(gw, TRANSPORT_WS) as socket:
        payload = {"query": DEFERRED_ORDER, "variables": _variables(order_id)}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        first = await _next_of(socket, "1")
        assert first["type"] == "next" and first["payload"]["hasNext"] is True, first
        await _while_the_read_queues()
        await socket.send(json.dumps({"id": "1", "type": "complete"}))
        # The socket stays open: only the operation is stopped.
        await asyncio.sleep(1.0 / RATE_PER_S + 1.5)


def test_a_deferred_read_of_a_stopped_operation_is_never_sent(gw: GatewayHandle) -> None:
    asyncio.run(_stopped_while_deferred_read_queues(gw, "GONE-DEFER-WS"))
    assert _order_reads(gw, "SPENT-1") == 1
    assert _order_reads(gw, "GONE-DEFER-WS") == 0


async def _hang_up_while_deferred_read_queues(gw: GatewayHandle, accept: str, order_id: str) -> str:
    """A deferred query over HTTP whose client hangs up once the first payload arrived and
    the deferred read queues; the answer's content type."""
    await _spend_the_budget(gw)
    body = {"query": DEFERRED_ORDER, "variables": _variables(order_id)}
    async with (
        httpx.AsyncClient(timeout=30.0) as client,
        client.stream("POST", gw.graphql_url, json=body, headers={"Accept": accept}) as answer,
    ):
        assert answer.status_code == 200
        chunks = answer.aiter_text()
        seen = ""
        while EMAIL not in seen:
            seen += await anext(chunks)
        await _while_the_read_queues()
        return answer.headers["content-type"]


@pytest.mark.parametrize("accept", [EVENT_STREAM_ACCEPT, MULTIPART_ACCEPT])
def test_a_deferred_read_whose_http_client_hung_up_is_never_sent(
    gw: GatewayHandle, accept: str
) -> None:
    order_id = f"GONE-DEFER-{accept.split('/')[0].upper()}"
    content_type = asyncio.run(_hang_up_while_deferred_read_queues(gw, accept, order_id))
    assert content_type.startswith(accept.split(";")[0])
    _past_the_slot()
    assert _order_reads(gw, "SPENT-1") == 1
    assert _order_reads(gw, order_id) == 0


async def _deferred_over_legacy_ws(gw: GatewayHandle) -> dict[str, Any]:
    async with _open(gw, LEGACY_WS) as socket:
        payload = {"query": DEFERRED_ORDER, "variables": _variables("ENG-1001")}
        await socket.send(json.dumps({"id": "1", "type": "start", "payload": payload}))
        return await _next_of(socket, "1")


def test_the_legacy_protocol_refuses_a_deferred_query_with_a_clear_error(
    gw: GatewayHandle,
) -> None:
    message = asyncio.run(_deferred_over_legacy_ws(gw))
    assert message["type"] == "error", message
    assert message["payload"]["extensions"]["code"] == "BAD_REQUEST", message
