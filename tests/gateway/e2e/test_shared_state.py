"""Two gateway processes sharing one Redis act as one gateway, seen over real HTTP.

Gateway A runs the vendor emulators; gateway B is a second app (its own services, tracker,
cache and log, like a second worker process) pointed at the same emulators and the same Redis.
The emulators count every request they serve, which shows how often the vendors were called
however the work was spread over the two gateways.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from typing import Any, cast

import httpx
import pytest

from adapters.model import Vendor
from gateway.app import create_app
from gateway.jobs import JobTracker
from gateway.redis.cache import SharedReadCache
from gateway.settings import SandboxSettings
from tests.gateway.e2e.orders_support import (
    JOB_QUERY,
    data,
    order_input,
    requests,
    write_order,
    writes,
)
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.observe import PATIENCE_S, log_tail_follows, until
from tests.support.redis import RedisServer
from tests.support.servers import serve
from tests.support.subscription_clients import SSE, TRANSPORT_WS, collect, subscribe

JOB_STEP_MS = 400  # each Engage job state lasts this long: several polls per job
JOB_PROGRESS = "subscription($id: ID!) { jobProgress(id: $id) { state versionTag } }"
LOG_TAIL = """
subscription($filter: IntegrationLogFilter) { integrationLog(filter: $filter) { code orderId } }
"""
LOG_QUERY = """
query($filter: IntegrationLogFilter) {
  integrationLog(filter: $filter) { edges { node { id code orderId } } totalCount }
}
"""
ORDER_QUERY = "query($v: Vendor!, $id: String!) { order(vendor: $v, orderId: $id) { total } }"


@contextmanager
def second_gateway(first: GatewayHandle, **overrides: Any) -> Iterator[GatewayHandle]:
    """Another gateway process: same emulators, same Redis and key prefix as ``first``."""
    sandbox = dataclasses.replace(
        first.settings.sandbox, engage_url=first.engage_url, expertsender_url=first.expertsender_url
    )
    settings = dataclasses.replace(first.settings, sandbox=sandbox, **overrides)
    app = create_app(settings)
    with serve(app) as server, httpx.Client(timeout=10.0) as client:
        yield GatewayHandle(server, settings, client, app.state.gateway)


def shared_settings(redis: RedisServer, **overrides: Any) -> dict[str, Any]:
    return {
        "redis_url": redis.url,
        "redis_key_prefix": f"e2e-{uuid.uuid4().hex[:10]}",
        # Long enough that only an invalidation can explain a fresh read.
        "cache_ttl_s": 60.0,
        "sandbox": SandboxSettings(engage_job_delay_ms=JOB_STEP_MS),
        **overrides,
    }


@pytest.fixture(scope="module")
def pair(redis_server: RedisServer) -> Iterator[tuple[GatewayHandle, GatewayHandle]]:
    if not redis_server.running:
        redis_server.start()
    with sandbox_gateway(**shared_settings(redis_server)) as a, second_gateway(a) as b:
        yield a, b


def tracker(gw: GatewayHandle) -> JobTracker:
    jobs = gw.gateway.services.jobs
    assert isinstance(jobs, JobTracker)
    return jobs


def job_polls(gw: GatewayHandle, vendor_job_id: str) -> int:
    path = f"/api/v3/orders/jobs/{vendor_job_id}"
    log = requests(gw, Vendor.ENGAGE)["log"]
    return sum(1 for e in log if e["method"] == "GET" and e["path"] == path)


def new_order_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_a_job_written_through_a_is_read_and_streamed_by_b_with_one_poller(
    pair: tuple[GatewayHandle, GatewayHandle],
) -> None:
    a, b = pair
    payload = write_order(a, Vendor.ENGAGE, "ADD", order_input(Vendor.ENGAGE, new_order_id("SH")))
    assert payload["errors"] == []
    job = payload["job"]
    assert job["state"] not in {"COMPLETED", "FAILED"}

    seen_by_b = data(b.post(JOB_QUERY, {"id": job["id"]}))["job"]
    assert seen_by_b["vendorJobId"] == job["vendorJobId"]

    async def watch_on_b() -> list[dict[str, Any]]:
        return await collect(subscribe(b, TRANSPORT_WS, JOB_PROGRESS, {"id": job["id"]}))

    results = asyncio.run(watch_on_b())
    states = [r["data"]["jobProgress"]["state"] for r in results]
    assert states[-1] == "COMPLETED"
    assert len(states) >= 2, states  # streamed on B while A polled

    vendor_job = job["vendorJobId"]
    polls_a = tracker(a).poll_count(Vendor.ENGAGE, vendor_job)
    polls_b = tracker(b).poll_count(Vendor.ENGAGE, vendor_job)
    assert polls_b == 0  # B watched A's single poller through Redis
    assert polls_a == job_polls(a, vendor_job) > 0
    assert data(b.post(JOB_QUERY, {"id": job["id"]}))["job"]["state"] == "COMPLETED"
    assert job_polls(a, vendor_job) == polls_a  # B's reads came from the shared registry


def test_an_expertsender_job_of_a_is_known_to_b(pair: tuple[GatewayHandle, GatewayHandle]) -> None:
    a, b = pair
    order_id = new_order_id("ESH")
    payload = write_order(a, Vendor.EXPERTSENDER, "ADD", order_input(Vendor.EXPERTSENDER, order_id))
    assert payload["errors"] == [] and payload["job"]["state"] == "COMPLETED"
    on_b = data(b.post(JOB_QUERY, {"id": payload["job"]["id"]}))["job"]
    assert on_b is not None and on_b["orderId"] == order_id and on_b["state"] == "COMPLETED"


def test_an_idempotent_retry_on_b_returns_the_result_of_a_with_one_write(
    pair: tuple[GatewayHandle, GatewayHandle],
) -> None:
    a, b = pair
    order_id = new_order_id("IDEM")
    order = order_input(Vendor.EXPERTSENDER, order_id)
    key = f"key-{uuid.uuid4().hex}"
    first = write_order(a, Vendor.EXPERTSENDER, "ADD", order, idempotencyKey=key)
    retry = write_order(b, Vendor.EXPERTSENDER, "ADD", order, idempotencyKey=key)
    assert first["errors"] == [] and retry["errors"] == []
    assert retry["job"]["id"] == first["job"]["id"]
    assert [w for w in writes(a, Vendor.EXPERTSENDER) if w["order_id"] == order_id] != []
    assert len([w for w in writes(a, Vendor.EXPERTSENDER) if w["order_id"] == order_id]) == 1
    # Same key, other input, on either gateway: refused.
    other = write_order(b, Vendor.EXPERTSENDER, "ADD", {**order, "total": 1.0}, idempotencyKey=key)
    assert [e["code"] for e in other["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]


async def _follows(gw: GatewayHandle) -> bool:
    return log_tail_follows(gw.gateway.services.log)


def test_a_log_entry_recorded_by_a_is_queried_and_tailed_on_b(
    pair: tuple[GatewayHandle, GatewayHandle],
) -> None:
    a, b = pair
    order_id = new_order_id("LOG")
    # ExpertSender has no order actions: the write carries a warning that reaches the log.
    bad = order_input(Vendor.EXPERTSENDER, order_id)

    async def tail_on_b_then_write_on_a() -> list[dict[str, Any]]:
        stream = subscribe(b, SSE, LOG_TAIL, {"filter": {"orderId": order_id}})
        first = asyncio.ensure_future(anext(stream))
        # A busy machine may take a while to open the tail: wait until B follows the stream.
        await until(lambda: _follows(b), "a live tail of the log on B")
        await asyncio.to_thread(
            write_order,
            a,
            Vendor.EXPERTSENDER,
            "ADD",
            bad,
            orderAction={"action": "CONFIRM_ORDER"},
        )
        entries = [await asyncio.wait_for(first, PATIENCE_S)]
        await cast(AsyncGenerator[Any, None], stream).aclose()
        return entries

    tailed = asyncio.run(tail_on_b_then_write_on_a())
    assert tailed[0]["data"]["integrationLog"]["orderId"] == order_id
    codes_on_b = {
        edge["node"]["code"]
        for edge in data(b.post(LOG_QUERY, {"filter": {"orderId": order_id}}))["integrationLog"][
            "edges"
        ]
    }
    codes_on_a = {
        edge["node"]["code"]
        for edge in data(a.post(LOG_QUERY, {"filter": {"orderId": order_id}}))["integrationLog"][
            "edges"
        ]
    }
    assert tailed[0]["data"]["integrationLog"]["code"] in codes_on_b
    assert codes_on_a == codes_on_b
    # And the entry is a node on B too.
    [edge, *_] = data(b.post(LOG_QUERY, {"filter": {"orderId": order_id}}))["integrationLog"][
        "edges"
    ]
    node = data(b.post("query($id: ID!) { node(id: $id) { id } }", {"id": edge["node"]["id"]}))
    assert node["node"]["id"] == edge["node"]["id"]


def test_a_write_through_a_invalidates_the_cached_read_of_b(
    pair: tuple[GatewayHandle, GatewayHandle],
) -> None:
    a, b = pair
    order_id = new_order_id("CACHE")
    order = order_input(Vendor.EXPERTSENDER, order_id)
    assert write_order(a, Vendor.EXPERTSENDER, "ADD", order)["errors"] == []
    read = {"v": "EXPERTSENDER", "id": order_id}
    assert data(b.post(ORDER_QUERY, read))["order"]["total"] == order["total"]
    cache = b.gateway.services.cache
    assert isinstance(cache, SharedReadCache)
    hits = cache.stats().hits
    assert data(b.post(ORDER_QUERY, read))["order"]["total"] == order["total"]
    assert cache.stats().hits == hits + 1  # B now serves the order from its cache

    heard = cache.invalidations_heard
    changed = {**order, "total": 123.0}
    changed["lines"] = [{**order["lines"][0], "unitPrice": 61.5}]
    assert write_order(a, Vendor.EXPERTSENDER, "REPLACE", changed)["errors"] == []

    async def until_heard() -> None:
        # Ends as soon as B hears it: generous costs nothing, and a loaded machine needs it.
        async with asyncio.timeout(60):
            while cache.invalidations_heard == heard:
                await asyncio.sleep(0.01)

    asyncio.run(until_heard())
    assert data(b.post(ORDER_QUERY, read))["order"]["total"] == 123.0


def test_without_redis_b_would_not_know_the_idempotency_key(redis_server: RedisServer) -> None:
    """The control: two gateways that do not share Redis do not share idempotency keys: the
    retry on B writes again. (Jobs need no sharing to be read: an ExpertSender job id carries
    the job, signed, and B reads it.)"""
    with sandbox_gateway() as a, second_gateway(a) as b:
        order_id = new_order_id("SOLO")
        order = order_input(Vendor.EXPERTSENDER, order_id)
        key = {"idempotencyKey": f"solo-{order_id}"}
        payload = write_order(a, Vendor.EXPERTSENDER, "ADD_OR_REPLACE", order, **key)
        write_order(b, Vendor.EXPERTSENDER, "ADD_OR_REPLACE", order, **key)
        posts = [w for w in writes(a, Vendor.EXPERTSENDER) if w["order_id"] == order_id]
        job = data(b.post(JOB_QUERY, {"id": payload["job"]["id"]}))["job"]
    assert len(posts) == 2
    assert job["state"] == "COMPLETED" and job["orderId"] == order_id


PAGE_STATUSES = """query($email: String!) {
  contact(vendor: ENGAGE, email: $email) {
    orders(first: 5) { edges { node { orderId externalStatus } } }
  }
}"""
CHANGE_STATUS = """mutation($input: ChangeOrderStatusInput!) {
  changeOrderStatus(input: $input) { job { id state } errors { code message } }
}"""


def test_a_status_change_through_a_drops_the_page_b_cached(
    pair: tuple[GatewayHandle, GatewayHandle],
) -> None:
    a, b = pair
    email = "anna.berg@example.com"

    def statuses(gw: GatewayHandle) -> dict[str, str | None]:
        edges = data(gw.post(PAGE_STATUSES, {"email": email}))["contact"]["orders"]["edges"]
        return {e["node"]["orderId"]: e["node"]["externalStatus"] for e in edges}

    order_id = next(iter(statuses(b)))  # B caches the page
    cache = b.gateway.services.cache
    assert isinstance(cache, SharedReadCache)
    heard = cache.invalidations_heard
    change = {"vendor": "ENGAGE", "orderId": order_id, "status": "IN_PROGRESS"}
    change["externalStatus"] = f"shared-{uuid.uuid4().hex[:6]}"
    job = data(a.post(CHANGE_STATUS, {"input": change}))["changeOrderStatus"]["job"]

    async def until_done_and_heard() -> None:
        async with asyncio.timeout(PATIENCE_S):
            while data(a.post(JOB_QUERY, {"id": job["id"]}))["job"]["state"] != "COMPLETED":
                await asyncio.sleep(0.02)
            while cache.invalidations_heard == heard:
                await asyncio.sleep(0.01)

    asyncio.run(until_done_and_heard())
    assert statuses(b)[order_id] == change["externalStatus"]
