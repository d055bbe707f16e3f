"""Every operation on a WebSocket and every event of a subscription waits for the vendor budget
under a deadline of its own, over real loopback connections against the Engage emulator.

A subscription stream may be open for far longer than ``GATEWAY_VENDOR_QUEUE_S``: a later event
whose vendor read has to queue (here behind a burst of reads sent just before the job ends)
still waits its turn instead of being refused as if the stream's first moment were its
deadline.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from adapters.model import Vendor
from gateway.settings import JobSettings, VendorSettings
from tests.gateway.e2e.budget_support import concurrent_reads
from tests.gateway.e2e.orders_support import order_input, write_order
from tests.gateway.e2e.test_subscriptions import hold_engage_jobs
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.subscription_clients import PROTOCOLS, Result, collect, subscribe

RATE_PER_S = 4.0
QUEUE_S = 3.0
# Reads sent just before the job ends: the event's own read queues behind them, for about
# a second and a half of the budget.
BURST = 6
# Slow polls, which leave most of the budget to the reads.
POLLS = JobSettings(poll_delays=(0.5,), poll_jitter=0.0, timeout_s=60.0)
WATCH = "subscription($id: ID!) { jobProgress(id: $id) { state order { orderId } } }"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(
        engage=VendorSettings(rate_limit_per_s=RATE_PER_S),
        # Off: each event's order is a vendor read of its own.
        cache_ttl_s=0.0,
        vendor_queue_s=QUEUE_S,
        jobs=POLLS,
    ) as handle:
        yield handle


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_event_long_after_the_stream_began_still_waits_for_its_read(
    gw: GatewayHandle, protocol: str
) -> None:
    order_id = f"EVD-{uuid.uuid4().hex[:10]}"
    hold_engage_jobs(gw, True)
    try:
        job = write_order(gw, Vendor.ENGAGE, "ADD", order_input(Vendor.ENGAGE, order_id))["job"]
        assert job is not None and job["state"] == "PENDING"
        stream = subscribe(gw, protocol, WATCH, {"id": job["id"]})
        first = await anext(stream)
        # Well past the deadline of the stream's own start.
        await asyncio.sleep(QUEUE_S + 1.0)
        burst = asyncio.ensure_future(concurrent_reads(gw, [f"BURST-{n}" for n in range(BURST)]))
        await asyncio.sleep(0.2)
    finally:
        hold_engage_jobs(gw, False)
    results: list[Result] = [first, *await collect(stream, timeout=30.0)]
    assert [a.get("errors") for a in await burst] == [None] * BURST
    assert [r.get("errors") for r in results] == [None] * len(results), results
    last = results[-1]["data"]["jobProgress"]
    assert last["state"] == "COMPLETED"
    assert last["order"] == {"orderId": order_id}
