"""``/metrics`` after a scripted mix of reads, writes, a failing vendor and a subscription:
every family moves as it should, the text parses with Prometheus's own parser, and no label
carries an id or an e-mail address."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Iterator
from typing import Any, cast

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import data, order_input, write_order
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.subscription_clients import (
    SSE,
    TRANSPORT_WS,
    sse_results,
    ws_results,
    ws_session,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
READ = "query ReadOrder($v: Vendor!, $id: String!) { order(vendor: $v, orderId: $id) { total } }"
TAIL = "subscription Tail { integrationLog { code } }"


def scrape(gw: GatewayHandle) -> tuple[str, Samples]:
    response = gw.client.get(f"{gw.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return response.text, samples


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def wait_for_gauge(
    gw: GatewayHandle, value: float, protocol: str = TRANSPORT_WS, timeout_s: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout_s
    while total(scrape(gw)[1], "order_gateway_subscriptions_open", protocol=protocol) != value:
        if time.monotonic() > deadline:
            raise AssertionError(f"open subscriptions never reached {value}")
        time.sleep(0.05)


async def run_subscription_while(gw: GatewayHandle) -> None:
    async with ws_session(gw, TRANSPORT_WS) as session:
        stream = cast(AsyncGenerator[dict[str, Any], None], ws_results(session, TAIL))
        task = asyncio.ensure_future(stream.__anext__())
        await asyncio.to_thread(wait_for_gauge, gw, 1)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await task
        await stream.aclose()


def test_every_family_moves_with_a_scripted_mix(gw: GatewayHandle) -> None:
    _, before = scrape(gw)

    # Reads: the second read of the same order comes from the read cache.
    for _ in range(2):
        assert data(gw.post(READ, {"v": "ENGAGE", "id": "ENG-1001"}))["order"]["total"]
    # Writes: an Engage job followed to its end; its retry with the same key is replayed.
    order = order_input(Vendor.ENGAGE, f"MET-{time.monotonic_ns()}")
    first = write_order(gw, Vendor.ENGAGE, "ADD", order, idempotencyKey="metrics-key-1")
    again = write_order(gw, Vendor.ENGAGE, "ADD", order, idempotencyKey="metrics-key-1")
    assert first["job"]["id"] == again["job"]["id"]
    # The same order again under a new key: the vendor refuses it, a UserError.
    refused = write_order(gw, Vendor.ENGAGE, "ADD", order, idempotencyKey="metrics-key-2")
    assert [e["code"] for e in refused["errors"]] == ["ORDER_ALREADY_EXISTS"]
    # A subscription, open while we look.
    asyncio.run(run_subscription_while(gw))
    wait_for_gauge(gw, 0)
    # A failing vendor: every answer a 503, until the circuit breaker opens.
    faults = f"{gw.expertsender_url}/_sandbox/faults"
    httpx.put(faults, json={"error_rate": 1.0}).raise_for_status()
    try:
        failed = [gw.post(READ, {"v": "EXPERTSENDER", "id": "ES-1001"}) for _ in range(2)]
    finally:
        httpx.put(faults, json={"error_rate": 0.0}).raise_for_status()
    assert all(result.get("errors") for result in failed)
    # Jobs are polled in the background: wait for the final state to be counted.
    deadline = time.monotonic() + 30
    while True:
        text, after = scrape(gw)
        done = {"vendor": "ENGAGE", "operation": "CREATE", "state": "COMPLETED"}
        if total(after, "order_gateway_jobs_total", **done) > total(
            before, "order_gateway_jobs_total", **done
        ):
            break
        assert time.monotonic() < deadline, "the job's final state was never counted"
        time.sleep(0.05)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    read = {"operation": "ReadOrder", "type": "query"}
    assert moved("order_gateway_operations_total", **read, outcome="ok") == 2
    assert moved("order_gateway_operations_total", **read, outcome="error") == 2
    assert moved("order_gateway_operations_total", type="mutation", outcome="ok") == 3
    assert moved("order_gateway_operations_total", type="subscription") == 1
    assert moved("order_gateway_operation_duration_seconds_count", **read) == 4
    graphql = {"kind": "graphql"}
    assert moved("order_gateway_errors_total", **graphql, code="VENDOR_UNAVAILABLE") >= 1
    assert moved("order_gateway_errors_total", **graphql, code="CIRCUIT_OPEN") >= 1
    refused = {"kind": "user", "code": "ORDER_ALREADY_EXISTS"}
    assert moved("order_gateway_errors_total", **refused) == 1

    engage_read = {"vendor": "ENGAGE", "route": "/api/v3/orders/{order_id}", "method": "GET"}
    # One read of ENG-1001 (the second came from the cache), and the write's own reads.
    assert moved("order_gateway_vendor_requests_total", **engage_read, status_class="2xx") >= 1
    reads = moved("order_gateway_vendor_requests_total", **engage_read)
    assert moved("order_gateway_vendor_request_duration_seconds_count", **engage_read) == reads
    assert moved("order_gateway_vendor_requests_total", vendor="ENGAGE", method="POST") == 2
    failing = {"vendor": "EXPERTSENDER", "route": "/orders/{order_id}", "retried": "true"}
    assert moved("order_gateway_vendor_requests_total", **failing, status_class="5xx") >= 1
    assert moved("order_gateway_vendor_retries_total", vendor="EXPERTSENDER") >= 4
    assert moved("order_gateway_rate_limiter_wait_seconds_count", vendor="ENGAGE") >= 3
    # Every call that waited has gone: none is left counted as waiting.
    assert total(after, "order_gateway_vendor_calls_waiting", vendor="ENGAGE") == 0
    assert {
        dict(labels)["priority"]
        for name, labels in after
        if name == "order_gateway_vendor_calls_waiting"
    } >= {"job", "write", "interactive", "background"}

    assert (
        total(after, "order_gateway_circuit_breaker_state", vendor="EXPERTSENDER", state="OPEN")
        == 1
    )
    assert total(after, "order_gateway_circuit_breaker_state", vendor="ENGAGE", state="CLOSED") == 1
    assert moved("order_gateway_circuit_breaker_transitions_total", state="OPEN") == 1

    assert moved("order_gateway_cache_requests_total", result="hit") >= 1
    assert moved("order_gateway_cache_requests_total", result="miss") >= 1

    created = {"vendor": "ENGAGE", "operation": "CREATE"}
    assert moved("order_gateway_jobs_total", **created, state="COMPLETED") == 1
    assert moved("order_gateway_job_polls_total", vendor="ENGAGE", outcome="ok") >= 1
    assert moved("order_gateway_job_duration_seconds_count", **created, state="COMPLETED") == 1

    assert moved("order_gateway_idempotent_writes_total", result="executed") == 2
    assert moved("order_gateway_idempotent_writes_total", result="replayed") == 1

    # Bounded labels: no order id, job id or e-mail address in any series.
    for forbidden in (order["orderId"], first["job"]["id"], "ENG-1001", "ES-1001", "@"):
        assert forbidden not in text


async def test_an_sse_subscription_is_counted_under_its_protocol(gw: GatewayHandle) -> None:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=30.0)) as client:
        stream = cast(AsyncGenerator[dict[str, Any], None], sse_results(client, gw, TAIL))
        task = asyncio.ensure_future(stream.__anext__())
        await asyncio.to_thread(wait_for_gauge, gw, 1, SSE)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await task
        await stream.aclose()
    await asyncio.to_thread(wait_for_gauge, gw, 0, SSE)


async def test_a_multipart_subscription_is_counted_under_its_own_protocol(
    gw: GatewayHandle,
) -> None:
    # Apollo Client's HttpLink subscriptions were counted as "sse".
    accept = "multipart/mixed;subscriptionSpec=1.0, application/json"
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=30.0)) as client,
        client.stream(
            "POST", gw.graphql_url, json={"query": TAIL}, headers={"accept": accept}
        ) as response,
    ):
        assert response.headers["content-type"].startswith("multipart/mixed")
        await asyncio.to_thread(wait_for_gauge, gw, 1, "multipart")
        assert total(scrape(gw)[1], "order_gateway_subscriptions_open", protocol=SSE) == 0
    await asyncio.to_thread(wait_for_gauge, gw, 0, "multipart")


def test_client_chosen_operation_names_are_capped(gw: GatewayHandle) -> None:
    names = {f"Op{i}" for i in range(3)}
    for name in names:
        gw.post(f"query {name} {{ vendors {{ vendor }} }}")
    gw.post("query Not_A_Plain_Name_" + "x" * 80 + " { vendors { vendor } }")
    _, samples = scrape(gw)
    labels = {
        dict(ls).get("operation") for (n, ls) in samples if n == "order_gateway_operations_total"
    }
    assert names <= labels
    assert "other" in labels


@pytest.mark.parametrize("accept", ["application/graphql-response+json", "application/json"])
@pytest.mark.parametrize("name", [{"a": 1}, ["A", "B"], 42, True])
def test_an_operation_name_that_is_not_a_string_is_refused_cleanly(
    gw: GatewayHandle, name: object, accept: str
) -> None:
    answer = gw.client.post(
        gw.graphql_url,
        json={"query": "{ vendors { vendor } }", "operationName": name},
        headers={"accept": accept},
    )
    assert answer.status_code < 500
    [error] = answer.json()["errors"]
    # Refused as the client's mistake, not failed inside the gateway.
    assert "operationName" in error["message"] or "operation" in error["message"].lower()
    assert "unhashable" not in answer.text and "Internal" not in answer.text
