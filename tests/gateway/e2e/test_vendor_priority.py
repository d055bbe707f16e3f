"""Writes go ahead of reads in the vendor's budget, over real HTTP against the Engage emulator:
a flood of reads queued for a tight budget does not hold back a status change sent after it.
The emulator's request log gives the order in which the calls reached the vendor."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from gateway.settings import VendorSettings
from tests.gateway.e2e.orders_support import (
    data,
    order_input,
    requests,
    reset_requests,
    wait_for_job,
)
from tests.gateway.e2e.test_subscriptions import hold_engage_jobs
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.observe import until_queued, until_sync

# A budget so tight that the reads below queue for seconds.
RATE_PER_S = 5.0
READS = 15
# Of the flood, the reads queued before the write is sent (two go out on the bucket at once).
FLOOD_QUEUED = 10
READ = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId } }"
CHANGE_STATUS = """mutation($input: ChangeOrderStatusInput!) {
  changeOrderStatus(input: $input) { job { id state } errors { code message } }
}"""
STATUS_ROUTE = "/api/v3/orders/{orderId}/change-status"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(engage=VendorSettings(rate_limit_per_s=RATE_PER_S), cache_ttl_s=0.0) as h:
        yield h


async def _flood_then_write(gw: GatewayHandle) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60.0) as client:

        async def read(n: int) -> None:
            body = {"query": READ, "variables": {"id": f"FLOOD-{n}"}}
            (await client.post(gw.graphql_url, json=body)).raise_for_status()

        flood = [asyncio.ensure_future(read(n)) for n in range(READS)]
        # A busy machine may take a while to queue the flood: the gateway's gauge says when.
        await until_queued(client, gw, FLOOD_QUEUED)
        change = {"vendor": "ENGAGE", "orderId": "ENG-1001", "status": "IN_PROGRESS"}
        change["externalStatus"] = "priority"
        answer = await client.post(
            gw.graphql_url, json={"query": CHANGE_STATUS, "variables": {"input": change}}
        )
        await asyncio.gather(*flood)
    result: dict[str, Any] = answer.json()
    return result


def test_a_write_is_not_held_back_by_reads_queued_before_it(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    started = time.monotonic()
    payload = data(asyncio.run(_flood_then_write(gw)))["changeOrderStatus"]
    assert payload["errors"] == []
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    log: list[dict[str, Any]] = requests(gw, Vendor.ENGAGE)["log"]
    routes = [e["route"] for e in log]
    position = routes.index(STATUS_ROUTE)
    flood_after = [
        e for e in log[position + 1 :] if str(e.get("order_id") or "").startswith("FLOOD-")
    ]
    # Reads queued before the write reached the vendor after it.
    assert len(flood_after) >= 3, (routes, time.monotonic() - started)


WRITE_ONLY = """mutation($input: WriteOrderInput!) {
  writeOrder(input: $input) { job { id state } errors { code message } }
}"""


async def _two_reads(gw: GatewayHandle) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=60.0) as client:
        answers = await asyncio.gather(
            *(
                client.post(gw.graphql_url, json={"query": READ, "variables": {"id": f"R-{n}"}})
                for n in range(2)
            )
        )
    return [answer.json() for answer in answers]


JOB_ROUTE = "/api/v3/orders/jobs/{jobId}"
POLLS_BEFORE_READS = 4


def _job_polls(gw: GatewayHandle) -> list[dict[str, Any]]:
    return [e for e in requests(gw, Vendor.ENGAGE)["log"] if e["route"] == JOB_ROUTE]


def test_reads_get_slots_while_a_job_is_polled_faster_than_the_budget() -> None:
    """One running job, polled every 0.1 s (one poll at a time) against a budget of 4/s: the
    polls go first, and the reads a client waits for still get one slot in four."""
    with sandbox_gateway(
        engage=VendorSettings(rate_limit_per_s=4.0), vendor_queue_s=3.0, cache_ttl_s=0.0
    ) as gw:
        hold_engage_jobs(gw, True)
        try:
            order = order_input(Vendor.ENGAGE, f"POLLED-{uuid.uuid4().hex[:8]}")
            payload = data(
                gw.post(WRITE_ONLY, {"input": {"vendor": "ENGAGE", "mode": "ADD", "order": order}})
            )["writeOrder"]
            assert payload["job"]["state"] == "PENDING", payload
            # The reads go in while the job is polled: wait until a second's budget of polls
            # has reached the vendor (a busy machine may take a while to start polling).
            until_sync(lambda: len(_job_polls(gw)) >= POLLS_BEFORE_READS, "the job polled")
            answers = asyncio.run(_two_reads(gw))
        finally:
            hold_engage_jobs(gw, False)
    assert answers == [{"data": {"order": None}}] * 2, answers
