"""One upstream poller per job, and nothing left behind, seen from outside the gateway.

The Engage emulator counts every request it serves (``/_sandbox/requests``), so the number of
job polls the vendor saw can be compared with the tracker's own count; the gateway's event
loop is inspected for leftover tasks after clients walk away mid-stream.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse
from websockets.asyncio.client import connect

from adapters.model import Vendor
from gateway.ids import NodeType, decode_id, encode_id
from gateway.jobs import JobTracker, TrackerStats
from gateway.settings import SandboxSettings
from tests.support.gateway import TEST_JOBS, GatewayHandle, sandbox_gateway
from tests.support.subscription_clients import (
    LEGACY_WS,
    TRANSPORT_WS,
    Result,
    collect,
    gateway_task_count,
    on_gateway_loop,
    sse_results,
    ws_results,
    ws_session,
)

# Long enough (two steps) for 200 subscribers to connect on a busy machine before the job ends.
JOB_STEP_MS = 2500
SUBSCRIBERS = 200
# 200 subscribers over every protocol: (protocol, connections, subscriptions per connection).
LAYOUT = ((TRANSPORT_WS, 4, 30), (LEGACY_WS, 2, 20), ("sse", 40, 1))
assert sum(connections * each for _, connections, each in LAYOUT) == SUBSCRIBERS

JOB_PROGRESS = "subscription($id: ID!) { jobProgress(id: $id) { state versionTag } }"
WRITE_ORDER = """
mutation($input: WriteOrderInput!) {
  writeOrder(input: $input) { job { id vendorJobId state } errors { code message } }
}
"""
IDLE = TrackerStats(pollers=0, watchers=0, followed_for_writes=0)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(sandbox=SandboxSettings(engage_job_delay_ms=JOB_STEP_MS)) as handle:
        yield handle


def tracker_of(gw: GatewayHandle) -> JobTracker:
    tracker = gw.gateway.services.jobs
    assert isinstance(tracker, JobTracker)
    return tracker


async def _stats(tracker: JobTracker) -> TrackerStats:
    return tracker.stats()


def stats(gw: GatewayHandle) -> TrackerStats:
    return on_gateway_loop(gw, _stats(tracker_of(gw)))


async def eventually(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


def write_order(gw: GatewayHandle) -> dict[str, Any]:
    order = {
        "orderId": f"fan-{uuid.uuid4().hex[:12]}",
        "createdAt": "2025-03-01T10:00:00+01:00",
        "status": "IN_PROGRESS",
        "currency": "SEK",
        "total": 99.0,
        "storeId": "WEB-SE",
        "contact": {"email": "johan.svensson@example.com"},
        "lines": [{"sku": "SKU-SOCKS-3P", "quantity": 1, "unitPrice": 99.0, "totalPrice": 99.0}],
    }
    result = gw.post(WRITE_ORDER, {"input": {"vendor": "ENGAGE", "mode": "ADD", "order": order}})
    payload = result["data"]["writeOrder"]
    assert payload["errors"] == []
    job: dict[str, Any] = payload["job"]
    return job


def job_polls_seen_by_vendor(gw: GatewayHandle, vendor_job_id: str) -> int:
    log = httpx.get(f"{gw.engage_url}/_sandbox/requests").json()["log"]
    path = f"/api/v3/orders/jobs/{vendor_job_id}"
    return sum(1 for entry in log if entry["method"] == "GET" and entry["path"] == path)


def most_polls_in(seconds: float) -> int:
    """How many polls a single poller can make in ``seconds`` on the test schedule."""
    schedule = TEST_JOBS.poll_delays
    delays = itertools.chain(schedule, itertools.repeat(schedule[-1]))
    elapsed = 0.0
    for polls, delay in enumerate(delays):
        elapsed += delay
        if elapsed > seconds:
            return polls + 1  # one poll may be in flight as the window closes
    raise AssertionError("unreachable")


async def _ws_subscribers(
    gw: GatewayHandle, protocol: str, count: int, job_id: str
) -> list[list[Result]]:
    async with ws_session(gw, protocol) as session:
        streams = [ws_results(session, JOB_PROGRESS, {"id": job_id}) for _ in range(count)]
        return await asyncio.gather(*(collect(stream, 30) for stream in streams))


async def _sse_subscriber(
    client: httpx.AsyncClient, gw: GatewayHandle, job_id: str
) -> list[Result]:
    return await collect(sse_results(client, gw, JOB_PROGRESS, {"id": job_id}), 30)


async def test_two_hundred_subscribers_share_one_poll_sequence(gw: GatewayHandle) -> None:
    httpx.post(f"{gw.engage_url}/_sandbox/requests/reset")
    started = time.monotonic()
    job = write_order(gw)
    job_key = decode_id(job["id"]).key
    tracker = tracker_of(gw)

    async with httpx.AsyncClient(
        timeout=httpx.Timeout(10.0, read=30.0), limits=httpx.Limits(max_connections=100)
    ) as client:
        runs: list[Any] = []
        for protocol, connections, each in LAYOUT:
            for _ in range(connections):
                if protocol == "sse":
                    runs.append(_sse_subscriber(client, gw, job["id"]))
                else:
                    runs.append(_ws_subscribers(gw, protocol, each, job["id"]))
        gathered = asyncio.gather(*runs)
        try:
            # While all of them watch, one poller serves the job.
            snapshots: list[TrackerStats] = []

            def all_watching() -> bool:
                snapshots.append(stats(gw))
                return snapshots[-1].watchers == SUBSCRIBERS

            await eventually(all_watching)
            assert snapshots[-1].pollers == 1
            outcomes = await asyncio.wait_for(gathered, 30)
        finally:
            gathered.cancel()
    elapsed = time.monotonic() - started

    per_subscriber: list[list[Result]] = []
    for outcome in outcomes:
        per_subscriber.extend([outcome] if outcome and isinstance(outcome[0], dict) else outcome)
    assert len(per_subscriber) == SUBSCRIBERS
    finals = set()
    for results in per_subscriber:
        states = [result["data"]["jobProgress"]["state"] for result in results]
        assert states[-1] == "COMPLETED", states
        assert states == sorted(set(states), key=["PENDING", "RUNNING", "COMPLETED"].index)
        finals.add(results[-1]["data"]["jobProgress"]["versionTag"])
    assert len(finals) == 1 and None not in finals

    vendor_polls = job_polls_seen_by_vendor(gw, job["vendorJobId"])
    tracker_polls = on_gateway_loop(gw, _poll_count(tracker, job_key))
    assert vendor_polls == tracker_polls
    # A single sequence: no more polls than one poller could make in the time it took.
    assert 2 <= vendor_polls <= most_polls_in(elapsed), (vendor_polls, elapsed)
    await eventually(lambda: stats(gw) == IDLE)


async def _poll_count(tracker: JobTracker, job_key: str) -> int:
    return tracker.poll_count(Vendor.ENGAGE, job_key)


def create_job_on_the_vendor(gw: GatewayHandle) -> str:
    """A job the gateway never accepted: written to the emulator directly, as another system
    would; the gateway learns of it only when a client subscribes to it."""
    endpoint = gw.gateway.endpoints[Vendor.ENGAGE]
    order = {
        "orderId": f"direct-{uuid.uuid4().hex[:12]}",
        "contact": {"matchKey": "anna.berg@example.com", "matchKeyType": "Email"},
        "externalStoreId": "WEB-SE",
        "status": "InProgress",
        "currencyCode": "SEK",
        "createdAt": "2025-03-01T10:00:00+01:00",
        "lineItems": {
            "items": [{"quantity": 1, "article": {"sku": "SKU-CAP"}, "totalPrice": 249.0}],
            "subTotal": 249.0,
        },
        "totalPrice": 249.0,
    }
    response = httpx.post(
        f"{endpoint.base_url}/api/v3/orders",
        json=order,
        headers={"apikey": endpoint.api_key, "User-Agent": "order-gateway-tests/1.0"},
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["jobId"]
    return job_id


@pytest.fixture
def slow_jobs(gw: GatewayHandle) -> Iterator[None]:
    settings_url = f"{gw.engage_url}/_sandbox/settings"
    httpx.put(settings_url, json={"job_delay_ms": 60_000}).raise_for_status()
    try:
        yield
    finally:
        httpx.put(settings_url, json={"job_delay_ms": JOB_STEP_MS}).raise_for_status()


async def _leave_websocket_mid_stream(gw: GatewayHandle, job_id: str) -> dict[str, Any]:
    async with connect(gw.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        subscribe = {"query": JOB_PROGRESS, "variables": {"id": job_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        first: dict[str, Any] = json.loads(await ws.recv())
        assert stats(gw).watchers == 1
    # Leaving the block closes the socket without completing the subscription.
    return first


async def _leave_sse_mid_stream(gw: GatewayHandle, job_id: str) -> dict[str, Any]:
    body = {"query": JOB_PROGRESS, "variables": {"id": job_id}}
    async with (
        httpx.AsyncClient(timeout=10) as client,
        aconnect_sse(client, "POST", gw.graphql_url, json=body) as source,
    ):
        async for event in source.aiter_sse():
            if event.event == "next":
                assert stats(gw).watchers == 1
                first: dict[str, Any] = json.loads(event.data)
                return first
    raise AssertionError("the stream ended before its first event")


@pytest.mark.parametrize("leave", [_leave_websocket_mid_stream, _leave_sse_mid_stream])
async def test_a_client_leaving_mid_stream_leaves_no_task_or_poller(
    gw: GatewayHandle, slow_jobs: None, leave: Any
) -> None:
    await eventually(lambda: stats(gw) == IDLE)
    baseline = gateway_task_count(gw)
    vendor_job_id = create_job_on_the_vendor(gw)
    job_id = encode_id(NodeType.JOB, Vendor.ENGAGE, vendor_job_id)

    first = await asyncio.wait_for(leave(gw, job_id), 10)

    assert first["payload" if "payload" in first else "data"] is not None
    await eventually(lambda: stats(gw) == IDLE)
    await eventually(lambda: gateway_task_count(gw) <= baseline)
    # The poller is gone, not just uncounted: the vendor hears no more polls for the job.
    polls = job_polls_seen_by_vendor(gw, vendor_job_id)
    await asyncio.sleep(0.5)
    assert job_polls_seen_by_vendor(gw, vendor_job_id) == polls


async def test_an_accepted_job_outlives_its_departed_subscriber(gw: GatewayHandle) -> None:
    await eventually(lambda: stats(gw) == IDLE)
    baseline = gateway_task_count(gw)
    job = write_order(gw)

    await asyncio.wait_for(_leave_websocket_mid_stream(gw, job["id"]), 10)

    # The write's job is still followed, so its outcome reaches the log and the cache...
    await eventually(lambda: stats(gw).watchers == 0)
    assert stats(gw) == TrackerStats(pollers=1, watchers=0, followed_for_writes=1)
    query = "query($id: ID!) { job(id: $id) { state } }"
    await eventually(
        lambda: gw.post(query, {"id": job["id"]})["data"]["job"]["state"] == "COMPLETED",
        timeout=15,
    )
    # ...and then nothing is left.
    await eventually(lambda: stats(gw) == IDLE)
    await eventually(lambda: gateway_task_count(gw) <= baseline)
