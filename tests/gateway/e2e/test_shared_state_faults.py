"""Shared state under faults: a gateway process killed mid-job, and Redis lost while running.

The killed gateway is a real ``order-gateway serve`` process (SIGKILL: no clean-up runs, its
poller lease is left to lapse); the survivor runs in this process with the emulators, so the
job's vendor outlives the killed gateway. Redis is a real server, stopped and started again.

Nothing here races a clock: the emulator holds the job until the killed gateway is gone (a job
finished before the kill would leave nothing to take over), and the survivor starts watching
only once the doomed gateway has polled, i.e. holds the job's lease.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from gateway.jobs import JobTracker
from gateway.settings import JobSettings, SandboxSettings
from tests.gateway.e2e.orders_support import JOB_QUERY, order_input, writes
from tests.gateway.test_cli import COMMAND, RUNNING, clean_env, running
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.redis import RedisServer
from tests.support.subscription_clients import SSE, TRANSPORT_WS, collect, subscribe

JOB_PROGRESS = "subscription($id: ID!) { jobProgress(id: $id) { state } }"
WRITE = """
mutation($input: WriteOrderInput!) {
  writeOrder(input: $input) { job { id vendorJobId state } errors { code message } }
}
"""
LOG_QUERY = "{ integrationLog(first: 5) { totalCount } }"
# A live holder renews its lease every poll (0.2 s apart, plus the poll itself): three seconds
# outlast a poll slowed by a loaded machine, and are what the survivor waits after the kill.
LEASE_TTL_S = 3.0
POLLS = "0.05,0.1,0.2"
# Generous: a deadline that is met as soon as things go right costs nothing.
PATIENCE_S = 60.0


def new_order_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error_codes(result: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in result.get("errors", [])]


@pytest.fixture
def survivor(redis_server: RedisServer, redis_prefix: str) -> Iterator[GatewayHandle]:
    if not redis_server.running:
        redis_server.start()
    with sandbox_gateway(
        redis_url=redis_server.url,
        redis_key_prefix=redis_prefix,
        sandbox=SandboxSettings(engage_job_delay_ms=300),
        jobs=JobSettings(poll_delays=(0.05, 0.1, 0.2), poll_jitter=0.0, lease_ttl_s=LEASE_TTL_S),
    ) as handle:
        yield handle


def hold_jobs(gw: GatewayHandle, held: bool) -> None:
    """Stop (or let go) every Engage job at the emulator, whatever its delay."""
    url = f"{gw.engage_url}/_sandbox/settings"
    httpx.put(url, json={"jobs_held": held}, timeout=10).raise_for_status()


def until_polled_by_the_doomed(gw: GatewayHandle, vendor_job_id: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while job_polls(gw, vendor_job_id) == 0:
        assert time.monotonic() < deadline, "the writing gateway never polled"
        time.sleep(0.02)


def job_polls(gw: GatewayHandle, vendor_job_id: str) -> int:
    log = httpx.get(f"{gw.engage_url}/_sandbox/requests").json()["log"]
    path = f"/api/v3/orders/jobs/{vendor_job_id}"
    return sum(1 for e in log if e["method"] == "GET" and e["path"] == path)


def test_a_job_of_a_killed_gateway_is_taken_over_and_finishes(
    survivor: GatewayHandle, redis_server: RedisServer, redis_prefix: str
) -> None:
    env = clean_env(
        GATEWAY_PORT="0",
        GATEWAY_REDIS_URL=redis_server.url,
        GATEWAY_REDIS_KEY_PREFIX=redis_prefix,
        GATEWAY_JOB_POLL_SCHEDULE=POLLS,
        GATEWAY_JOB_POLL_JITTER="0",
        GATEWAY_JOB_LEASE_TTL_S=str(LEASE_TTL_S),
        SANDBOX_ENGAGE_URL=survivor.engage_url,
        SANDBOX_EXPERTSENDER_URL=survivor.expertsender_url,
    )
    with running([COMMAND, "serve"], env) as doomed:
        doomed_url = doomed.wait_for(RUNNING)[1]
        order = order_input(Vendor.ENGAGE, new_order_id("KILL"))
        body = {
            "query": WRITE,
            "variables": {"input": {"vendor": "ENGAGE", "mode": "ADD", "order": order}},
        }
        hold_jobs(survivor, True)
        payload = httpx.post(f"{doomed_url}/graphql", json=body, timeout=PATIENCE_S).json()
        job = payload["data"]["writeOrder"]["job"]
        assert job is not None, payload

        async def watch_on_survivor_while_the_other_dies() -> list[dict[str, Any]]:
            # The doomed gateway polls first, so it holds the lease while the survivor watches.
            await asyncio.to_thread(until_polled_by_the_doomed, survivor, job["vendorJobId"])
            stream = subscribe(survivor, TRANSPORT_WS, JOB_PROGRESS, {"id": job["id"]})
            first = await asyncio.wait_for(anext(stream), PATIENCE_S)
            assert tracker(survivor).poll_count(Vendor.ENGAGE, job["vendorJobId"]) == 0
            doomed.process.send_signal(signal.SIGKILL)
            await asyncio.to_thread(doomed.process.wait, PATIENCE_S)
            hold_jobs(survivor, False)
            return [first, *await collect(stream, timeout=PATIENCE_S)]

        try:
            results = asyncio.run(watch_on_survivor_while_the_other_dies())
        finally:
            hold_jobs(survivor, False)

    states = [r["data"]["jobProgress"]["state"] for r in results]
    assert states[-1] == "COMPLETED", results
    taken_over = tracker(survivor).poll_count(Vendor.ENGAGE, job["vendorJobId"])
    assert taken_over > 0
    assert job_polls(survivor, job["vendorJobId"]) > taken_over  # both polled, one at a time
    final = survivor.post(JOB_QUERY, {"id": job["id"]})["data"]["job"]
    assert final["state"] == "COMPLETED"


def orphan_a_job(
    survivor: GatewayHandle, redis_server: RedisServer, redis_prefix: str, order: dict[str, Any]
) -> dict[str, Any]:
    """Write ``order`` through another gateway process sharing the survivor's Redis, and kill
    that process once it has polled the job (held at the emulator until then); returns the
    job, which the survivor adopts once its lease lapses."""
    env = clean_env(
        GATEWAY_PORT="0",
        GATEWAY_REDIS_URL=redis_server.url,
        GATEWAY_REDIS_KEY_PREFIX=redis_prefix,
        GATEWAY_JOB_POLL_SCHEDULE=POLLS,
        GATEWAY_JOB_POLL_JITTER="0",
        GATEWAY_JOB_LEASE_TTL_S=str(LEASE_TTL_S),
        SANDBOX_ENGAGE_URL=survivor.engage_url,
        SANDBOX_EXPERTSENDER_URL=survivor.expertsender_url,
    )
    with running([COMMAND, "serve"], env) as doomed:
        doomed_url = doomed.wait_for(RUNNING)[1]
        variables = {"input": {"vendor": "ENGAGE", "mode": "ADD", "order": order}}
        hold_jobs(survivor, True)
        try:
            payload = httpx.post(
                f"{doomed_url}/graphql",
                json={"query": WRITE, "variables": variables},
                timeout=PATIENCE_S,
            ).json()
            job: dict[str, Any] = payload["data"]["writeOrder"]["job"]
            until_polled_by_the_doomed(survivor, job["vendorJobId"])
            doomed.process.send_signal(signal.SIGKILL)
            doomed.process.wait(PATIENCE_S)
        finally:
            hold_jobs(survivor, False)
    return job


def test_a_job_nobody_watches_is_adopted_when_its_gateway_is_killed(
    survivor: GatewayHandle, redis_server: RedisServer, redis_prefix: str
) -> None:
    """Nothing accepted is lost: no client follows the job, yet another gateway finishes it."""
    order = order_input(Vendor.ENGAGE, new_order_id("ORPHAN"))
    job = orphan_a_job(survivor, redis_server, redis_prefix, order)
    deadline = time.monotonic() + PATIENCE_S
    while True:
        state = survivor.post(JOB_QUERY, {"id": job["id"]})["data"]["job"]["state"]
        if state == "COMPLETED":
            break
        assert time.monotonic() < deadline, f"the abandoned job stayed {state}"
        time.sleep(0.1)
    assert tracker(survivor).poll_count(Vendor.ENGAGE, job["vendorJobId"]) > 0


def tracker(gw: GatewayHandle) -> JobTracker:
    jobs = gw.gateway.services.jobs
    assert isinstance(jobs, JobTracker)
    return jobs


def test_redis_lost_while_running_gives_typed_errors_then_recovers(
    survivor: GatewayHandle, redis_server: RedisServer
) -> None:
    gw = survivor
    es_order = order_input(Vendor.EXPERTSENDER, new_order_id("DOWN"))
    write = {"input": {"vendor": "EXPERTSENDER", "mode": "ADD", "order": es_order}}
    before = gw.post(WRITE, write)["data"]["writeOrder"]
    assert before["errors"] == []
    redis_server.stop()
    try:
        deadline = time.monotonic() + PATIENCE_S
        while gw.gateway.services.shared is not None and gw.gateway.services.shared.available:
            assert time.monotonic() < deadline, "the lost connection went unnoticed"
            time.sleep(0.02)

        job = gw.post(JOB_QUERY, {"id": before["job"]["id"]})
        assert error_codes(job) == ["STATE_STORE_UNAVAILABLE"], job
        assert "redis://" not in str(job) and "127.0.0.1" not in str(job)

        other = order_input(Vendor.EXPERTSENDER, new_order_id("DOWN"))
        refused = gw.post(WRITE, {"input": {**write["input"], "order": other}})
        assert error_codes(refused) == ["STATE_STORE_UNAVAILABLE"], refused
        assert not [w for w in writes(gw, Vendor.EXPERTSENDER) if w["order_id"] == other["orderId"]]

        log = gw.post(LOG_QUERY)
        assert error_codes(log) == ["STATE_STORE_UNAVAILABLE"], log

        async def subscribe_while_down() -> list[dict[str, Any]]:
            stream = subscribe(gw, SSE, JOB_PROGRESS, {"id": before["job"]["id"]})
            return await collect(stream, timeout=PATIENCE_S)

        [streamed] = asyncio.run(subscribe_while_down())
        assert error_codes(streamed) == ["STATE_STORE_UNAVAILABLE"], streamed
        assert httpx.get(f"{gw.url}/readyz").status_code == 503
    finally:
        redis_server.start()

    # The gateway reconnects by itself: the same requests succeed again.
    up = order_input(Vendor.EXPERTSENDER, new_order_id("UP"))
    again = retry_until_ok(gw, WRITE, {"input": {**write["input"], "order": up}})
    assert again["data"]["writeOrder"]["errors"] == [], again
    assert retry_until_ok(gw, LOG_QUERY)["data"]["integrationLog"]["totalCount"] >= 1
    # Redis came back empty (no persistence): the earlier job is gone, the new one is known.
    new_job = retry_until_ok(gw, JOB_QUERY, {"id": again["data"]["writeOrder"]["job"]["id"]})
    assert new_job["data"]["job"]["state"] == "COMPLETED"


def retry_until_ok(
    gw: GatewayHandle, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    deadline = time.monotonic() + PATIENCE_S
    while True:
        result = gw.post(query, variables)
        if not result.get("errors"):
            return result
        assert error_codes(result) == ["STATE_STORE_UNAVAILABLE"], result
        assert time.monotonic() < deadline, result
        time.sleep(0.1)
