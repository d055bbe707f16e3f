"""A vendor read shared by several requests waits as long as its most patient asker, over real
loopback connections (HTTP, and graphql-transport-ws: the WebSocket protocol that carries
queries) against the Engage emulator.

The budget is one call every five seconds: a read asked for right after another call waits
about five seconds for its slot, longer than the first asker's deadline (four seconds) and
shorter than that of an asker who joined two seconds later.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from gql import gql
from gql.transport.exceptions import TransportQueryError
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from adapters.model import Vendor
from gateway.settings import VendorSettings
from tests.gateway.e2e.orders_support import requests, reset_requests
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.subscription_clients import TRANSPORT_WS, ws_session

RATE_PER_S = 0.2
QUEUE_S = 4.0
READ = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId } }"
HTTP = "http"
ORDER_ROUTE = "GET /api/v3/orders/{orderId}"


def _gateway(queue_s: float) -> AbstractContextManager[GatewayHandle]:
    return sandbox_gateway(
        engage=VendorSettings(rate_limit_per_s=RATE_PER_S),
        cache_ttl_s=0.0,
        vendor_queue_s=queue_s,
    )


@pytest.fixture
def gw() -> Iterator[GatewayHandle]:
    # A gateway per test: each starts with the budget untouched.
    with _gateway(QUEUE_S) as handle:
        yield handle


async def _http_read(gw: GatewayHandle, order_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30.0) as client:
        body = {"query": READ, "variables": {"id": order_id}}
        answer: dict[str, Any] = (await client.post(gw.graphql_url, json=body)).json()
    return answer


async def _ws_read(gw: GatewayHandle, protocol: str, order_id: str) -> dict[str, Any]:
    async with ws_session(gw, protocol) as session:
        try:
            data = await session.execute(gql(READ), variable_values={"id": order_id})
        except TransportQueryError as exc:
            return {"errors": exc.errors}
    return {"data": data}


async def _read(gw: GatewayHandle, protocol: str, order_id: str) -> dict[str, Any]:
    if protocol == HTTP:
        return await _http_read(gw, order_id)
    return await _ws_read(gw, protocol, order_id)


async def _spend_the_budget(gw: GatewayHandle) -> None:
    """One read now: the next call's slot is a whole interval away."""
    answer = await _http_read(gw, "SPENT-1")
    assert answer == {"data": {"order": None}}, answer


def _order_reads(gw: GatewayHandle, order_id: str) -> int:
    log = requests(gw, Vendor.ENGAGE)["log"]
    return sum(1 for e in log if e["method"] == "GET" and e["path"].endswith(f"/{order_id}"))


async def _joined_later(gw: GatewayHandle, protocol: str) -> tuple[dict[str, Any], ...]:
    await _spend_the_budget(gw)
    first = asyncio.ensure_future(_http_read(gw, "ENG-1001"))
    await asyncio.sleep(2.0)
    joiner = asyncio.ensure_future(_read(gw, protocol, "ENG-1001"))
    return await first, await joiner


@pytest.mark.parametrize("protocol", [HTTP, TRANSPORT_WS])
def test_a_joiner_with_a_later_deadline_keeps_the_shared_read_waiting(
    gw: GatewayHandle, protocol: str
) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    first, joiner = asyncio.run(_joined_later(gw, protocol))
    # The read got its slot after the first asker's deadline, before the joiner's: one read
    # answered both (the first asker waits for a read that is still going).
    assert joiner == {"data": {"order": {"orderId": "ENG-1001"}}}, joiner
    assert first == joiner, first
    assert _order_reads(gw, "ENG-1001") == 1


async def _hang_up_after(gw: GatewayHandle, order_id: str, seconds: float) -> None:
    """A read whose client gives up waiting ``seconds`` later and closes its connection."""
    async with httpx.AsyncClient(timeout=seconds) as client:
        body = {"query": READ, "variables": {"id": order_id}}
        with pytest.raises(httpx.ReadTimeout):
            await client.post(gw.graphql_url, json=body)


async def _first_asker_hangs_up(gw: GatewayHandle) -> dict[str, Any]:
    await _spend_the_budget(gw)
    # The joiner's deadline (its start + QUEUE_S) falls a second after the read's slot, and it
    # joins a second before the first asker hangs up: a second's slack each way on a slow machine.
    first = asyncio.ensure_future(_hang_up_after(gw, "ENG-1001", 3.0))
    await asyncio.sleep(2.0)
    joiner = await _ws_read(gw, TRANSPORT_WS, "ENG-1001")
    await first
    return joiner


def test_an_asker_that_hangs_up_leaves_the_shared_read_to_the_others(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    joiner = asyncio.run(_first_asker_hangs_up(gw))
    assert joiner == {"data": {"order": {"orderId": "ENG-1001"}}}, joiner
    assert _order_reads(gw, "ENG-1001") == 1


async def _close_while_queued(gw: GatewayHandle) -> None:
    """Send a read over a raw graphql-transport-ws connection and close it while the read
    queues (a client library may wait for its operations before it closes)."""
    await _spend_the_budget(gw)
    async with connect(gw.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]) as socket:
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        payload = {"query": READ, "variables": {"id": "GONE-WS-1"}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        await asyncio.sleep(1.0)


def test_a_read_whose_websocket_closed_is_never_sent() -> None:
    # Patient enough that the read would have had its slot while it still queued.
    with _gateway(2 / RATE_PER_S) as gw:
        reset_requests(gw, Vendor.ENGAGE)
        asyncio.run(_close_while_queued(gw))
        # Well past the slot the read queued for.
        time.sleep(1.0 / RATE_PER_S + 1.0)
        assert _order_reads(gw, "SPENT-1") == 1
        assert _order_reads(gw, "GONE-WS-1") == 0


WITH_CONTACT = """{
  order(vendor: ENGAGE, orderId: "ENG-1001") { orderId contact { email } }
}"""


async def _two_operations_one_stopped(gw: GatewayHandle) -> list[dict[str, Any]]:
    """Two operations at once on one graphql-transport-ws connection that read the same order
    and then its contact; the first is stopped (``complete``) while the contact read queues.
    The messages the second operation gets."""
    async with connect(gw.ws_url, subprotocols=[Subprotocol(TRANSPORT_WS)]) as socket:
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        payload = {"query": WITH_CONTACT}
        for op in ("a", "b"):
            await socket.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))
        await asyncio.sleep(1.5)
        await socket.send(json.dumps({"id": "a", "type": "complete"}))
        received: list[dict[str, Any]] = []
        while not received or received[-1]["type"] != "complete":
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=15.0))
            if message.get("id") == "b":
                received.append(message)
    return received


def test_stopping_one_operation_leaves_the_reads_of_another_on_its_socket() -> None:
    # Patient enough for the contact read's slot, a whole interval after the order's.
    with _gateway(2 / RATE_PER_S) as gw:
        received = asyncio.run(_two_operations_one_stopped(gw))
    assert [m["type"] for m in received] == ["next", "complete"], received
    answer = received[0]["payload"]
    assert answer == {
        "data": {"order": {"orderId": "ENG-1001", "contact": {"email": "anna.berg@example.com"}}}
    }, answer
