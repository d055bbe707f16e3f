"""Vendor calls queue for the vendor's budget until their request's deadline, in priority order,
over real HTTP against the Engage emulator (which answers 429 past its own per-key limit and
logs every request it receives), with the budget in this process or shared through a real
redis-server.

Reads of unknown order ids are used as the flood: each one is a vendor call of its own (the
read cache never holds an unknown id, and distinct ids share nothing), so the emulator's log
tells exactly which requests reached the vendor.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.model import Vendor
from gateway.settings import VendorSettings
from tests.gateway.e2e.orders_support import requests, reset_requests
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.redis import RedisServer

READ = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId } }"
CHANGE_STATUS = """mutation($id: String!) {
  changeOrderStatus(input: {vendor: ENGAGE, orderId: $id, status: IN_PROGRESS,
                            externalStatus: "queued-write"}) {
    job { id } errors { code }
  }
}"""
CHANGE_STATUS_ROUTE = "POST /api/v3/orders/{orderId}/change-status"

RATE_PER_S = 5
# The emulator's own limit: above the gateway's, with room for calls paced evenly that still
# arrive bunched on a busy machine.
EMULATOR_PER_S = 8


def _emulator_limit(gw: GatewayHandle, per_second: int) -> None:
    answer = gw.client.put(
        f"{gw.engage_url}/_sandbox/settings", json={"rate_limit_per_second": per_second}
    )
    answer.raise_for_status()


@pytest.fixture(params=["this process", "shared through redis"])
def budget(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings overrides: the Engage budget kept by this process, or in a real Redis."""
    overrides: dict[str, Any] = {
        "engage": VendorSettings(rate_limit_per_s=float(RATE_PER_S)),
        # Off: every read below is a vendor call of its own.
        "cache_ttl_s": 0.0,
    }
    if request.param == "shared through redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        if not server.running:
            server.start()
        overrides["redis_url"] = server.url
        overrides["redis_key_prefix"] = f"queue-{time.monotonic_ns()}"
    return overrides


@pytest.fixture
def generous(budget: dict[str, Any]) -> Iterator[GatewayHandle]:
    with sandbox_gateway(vendor_queue_s=30.0, **budget) as gw:
        _emulator_limit(gw, EMULATOR_PER_S)
        yield gw


@pytest.fixture
def impatient(budget: dict[str, Any]) -> Iterator[GatewayHandle]:
    with sandbox_gateway(vendor_queue_s=1.0, **budget) as gw:
        _emulator_limit(gw, EMULATOR_PER_S)
        yield gw


async def _reads(url: str, order_ids: list[str]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=60.0) as client:
        answers = await asyncio.gather(
            *(client.post(url, json={"query": READ, "variables": {"id": i}}) for i in order_ids)
        )
    return [answer.json() for answer in answers]


def _order_log(gw: GatewayHandle) -> list[dict[str, Any]]:
    return [
        entry
        for entry in requests(gw, Vendor.ENGAGE)["log"]
        if entry["method"] == "GET" and entry["path"].startswith("/api/v3/orders/FLOOD-")
    ]


def test_a_read_flood_within_a_generous_deadline_is_answered_in_full(
    generous: GatewayHandle,
) -> None:
    gw = generous
    reset_requests(gw, Vendor.ENGAGE)
    ids = [f"FLOOD-{n}" for n in range(25)]
    answers = asyncio.run(_reads(gw.graphql_url, ids))
    assert [a.get("errors") for a in answers] == [None] * len(ids)
    assert [a["data"]["order"] for a in answers] == [None] * len(ids)  # unknown ids
    log = _order_log(gw)
    assert sorted(e["path"] for e in log) == sorted(f"/api/v3/orders/{i}" for i in ids)
    # Five seconds of the budget, queued rather than refused: the vendor never had to refuse.
    assert [e for e in requests(gw, Vendor.ENGAGE)["log"] if e["status"] == 429] == []


def test_a_call_that_gets_no_slot_in_time_is_rate_limited_and_never_sent(
    impatient: GatewayHandle,
) -> None:
    gw = impatient
    reset_requests(gw, Vendor.ENGAGE)
    ids = [f"FLOOD-{n}" for n in range(30)]
    answers = asyncio.run(_reads(gw.graphql_url, ids))
    refused = {}
    for order_id, answer in zip(ids, answers, strict=True):
        if answer.get("errors"):
            (error,) = answer["errors"]
            assert error["extensions"]["code"] == "RATE_LIMITED", error
            assert error["extensions"]["retryAfter"] >= 1
            refused[order_id] = error
    # 30 calls at 5/s cannot all get a slot within 1 s; some did.
    assert 5 <= len(refused) < len(ids)
    # Long after their requests gave up, none of the refused calls has reached the vendor.
    time.sleep(2.0)
    sent = {e["path"].rsplit("/", 1)[1] for e in _order_log(gw)}
    assert sent == set(ids) - set(refused)
    assert [e for e in requests(gw, Vendor.ENGAGE)["log"] if e["status"] == 429] == []


# Of the flood of 20, the calls the budget holds back (5 go out at once, one may be leaving).
FLOOD_QUEUED = 12
FLOOD = 20


async def _waiting_by_priority(client: httpx.AsyncClient, gw: GatewayHandle) -> dict[str, float]:
    """Engage calls queued in the gateway now, by the priority they queue at (its own gauge)."""
    text = (await client.get(f"{gw.url}/metrics")).text
    return {
        sample.labels["priority"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "order_gateway_vendor_calls_waiting"
        and sample.labels.get("vendor") == "ENGAGE"
    }


async def _waiting(client: httpx.AsyncClient, gw: GatewayHandle) -> float:
    return sum((await _waiting_by_priority(client, gw)).values())


async def _until_queued(client: httpx.AsyncClient, gw: GatewayHandle, count: int) -> None:
    async with asyncio.timeout(30):
        while await _waiting(client, gw) < count:
            await asyncio.sleep(0.02)


async def _until_all_accounted_for(
    client: httpx.AsyncClient, gw: GatewayHandle, count: int
) -> None:
    """Wait until ``count`` reads of unknown ids are each queued or have reached the vendor."""
    async with asyncio.timeout(30):
        while await _waiting(client, gw) + len(_order_log(gw)) < count:
            await asyncio.sleep(0.02)


async def _reads_waiting_once_queued(
    client: httpx.AsyncClient, gw: GatewayHandle, write: asyncio.Future[httpx.Response]
) -> float:
    """The reads still queued when the write is first seen queued (or, if it got its turn
    before it could be seen, once it has been answered: fewer by then, never more)."""
    async with asyncio.timeout(30):
        while True:
            done = write.done()
            by_priority = await _waiting_by_priority(client, gw)
            if by_priority["write"] >= 1 or done:
                return by_priority["interactive"]
            await asyncio.sleep(0.01)


async def _write_behind_a_flood(gw: GatewayHandle) -> tuple[dict[str, Any], float]:
    async with httpx.AsyncClient(timeout=60.0) as client:
        flood = [
            asyncio.ensure_future(
                client.post(gw.graphql_url, json={"query": READ, "variables": {"id": f"FLOOD-{n}"}})
            )
            for n in range(FLOOD)
        ]
        # A busy machine may take a while to queue the flood: the gauge says when it has.
        await _until_queued(client, gw, FLOOD_QUEUED)
        await _until_all_accounted_for(client, gw, FLOOD)
        write = asyncio.ensure_future(
            client.post(
                gw.graphql_url, json={"query": CHANGE_STATUS, "variables": {"id": "ENG-1002"}}
            )
        )
        reads_waiting = await _reads_waiting_once_queued(client, gw, write)
        answer = (await write).json()
        await asyncio.gather(*flood)
    return answer, reads_waiting


def test_a_write_behind_a_queued_read_flood_goes_out_within_one_slot(
    generous: GatewayHandle,
) -> None:
    gw = generous
    reset_requests(gw, Vendor.ENGAGE)
    answer, reads_waiting = asyncio.run(_write_behind_a_flood(gw))
    assert answer["data"]["changeOrderStatus"]["errors"] == [], answer
    log = sorted(requests(gw, Vendor.ENGAGE)["log"], key=lambda e: float(e["at"]))
    routes = [f"{e['method']} {e['route']}" for e in log]
    assert CHANGE_STATUS_ROUTE in routes, routes
    write_at = routes.index(CHANGE_STATUS_ROUTE)
    # Reads of the flood that got their turn after the write queued, yet reached the vendor
    # before it: those before it, less those already past the queue when the write joined it
    # (timed by the gateway's own gauge, so a slow machine's late arrivals are not counted).
    overtaking = write_at - (FLOOD - reads_waiting)
    assert overtaking <= 1, (overtaking, reads_waiting, routes)
    # Most of the flood went after the write.
    assert len(log) - write_at - 1 >= 10


# The flood behind which one client hangs up, and how much of it must be queued first: at
# 5 calls/s, 8 calls ahead give the hang-up more than 1.5 s to be noticed.
LEAVING_FLOOD = 15
LEAVING_FLOOD_QUEUED = 8


async def _disconnect_while_queued(
    client: httpx.AsyncClient, gw: GatewayHandle, order_id: str
) -> None:
    """Send a read over a raw connection and hang up once it waits for the vendor budget."""
    body = json.dumps({"query": READ, "variables": {"id": order_id}}).encode()
    _reader, writer = await asyncio.open_connection("127.0.0.1", gw.server.port)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    await _until_all_accounted_for(client, gw, LEAVING_FLOOD + 1)
    writer.close()
    await writer.wait_closed()


async def _flood_and_a_client_that_leaves(gw: GatewayHandle) -> None:
    async with httpx.AsyncClient(timeout=60.0) as client:
        flood = [
            asyncio.ensure_future(
                client.post(gw.graphql_url, json={"query": READ, "variables": {"id": f"FLOOD-{n}"}})
            )
            for n in range(LEAVING_FLOOD)
        ]
        # A busy machine may take a while to queue the flood; the leaving read must come after.
        await _until_queued(client, gw, LEAVING_FLOOD_QUEUED)
        await _disconnect_while_queued(client, gw, "FLOOD-GONE")
        await asyncio.gather(*flood)


def test_a_read_whose_client_hung_up_is_never_sent(generous: GatewayHandle) -> None:
    gw = generous
    reset_requests(gw, Vendor.ENGAGE)
    asyncio.run(_flood_and_a_client_that_leaves(gw))
    time.sleep(1.0)  # whatever was still queued has had its turn
    sent = {e["path"].rsplit("/", 1)[1] for e in _order_log(gw)}
    assert sent == {f"FLOOD-{n}" for n in range(LEAVING_FLOOD)}
