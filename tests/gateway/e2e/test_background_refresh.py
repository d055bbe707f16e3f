"""A stale cached order's background refresh under a budget that reads keep full, over real
loopback HTTP against the Engage emulator: a refresh that gets no slot is a designed outcome
(the stale entry is served on), not a vendor failure, and the integration log says so."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from gateway.settings import QueryLimits, VendorSettings
from tests.gateway.e2e.budget_support import READ, concurrent_reads
from tests.gateway.e2e.orders_support import data, requests, reset_requests
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.observe import until, until_queued

RATE_PER_S = 1.0
QUEUE_S = 1.0
TTL_S = 0.3
LOG = """query($id: String!) {
  integrationLog(filter: {orderId: $id}) { edges { node { severity code message } } }
}"""


@pytest.fixture
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(
        engage=VendorSettings(rate_limit_per_s=RATE_PER_S),
        vendor_queue_s=QUEUE_S,
        cache_ttl_s=TTL_S,
        cache_stale_s=60.0,
    ) as handle:
        yield handle


# A new flood read this often, each queued up to QUEUE_S: client reads wait for the budget
# all the time, so the refresh (which goes after them) never gets a slot, however late it queues.
FLOOD_EVERY_S = 0.2


async def _flood_until(gw: GatewayHandle, done: asyncio.Event) -> None:
    """Reads of unknown ids, one every ``FLOOD_EVERY_S``, until ``done``."""
    reads: list[asyncio.Future[list[dict[str, Any]]]] = []
    while not done.is_set():
        reads.append(asyncio.ensure_future(concurrent_reads(gw, [f"FLOOD-{len(reads)}"])))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), FLOOD_EVERY_S)
    await asyncio.gather(*reads)


async def _stale_read_during_a_flood(gw: GatewayHandle, order_id: str) -> dict[str, Any]:
    """Reads of unknown ids keep the budget full; meanwhile the stale order is read (served
    stale, its refresh queued behind them), and the flood goes on until the refresh gave up."""
    done = asyncio.Event()
    flood = asyncio.ensure_future(_flood_until(gw, done))
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            # The budget is spent and the flood queues (more than a call passing through).
            await until_queued(client, gw, 3)
        (stale,) = await concurrent_reads(gw, [order_id])
        await until(
            lambda: asyncio.to_thread(_skipped, gw, order_id), "the refresh given up and noted"
        )
    finally:
        done.set()
        await flood
    return stale


def _skipped(gw: GatewayHandle, order_id: str) -> bool:
    return "CACHE_REFRESH_SKIPPED" in {e["code"] for e in _entries(gw, order_id)}


def _entries(gw: GatewayHandle, order_id: str) -> list[dict[str, Any]]:
    log = data(gw.post(LOG, {"id": order_id}))["integrationLog"]
    return [edge["node"] for edge in log["edges"]]


def test_a_refresh_that_gets_no_slot_is_noted_not_an_error(gw: GatewayHandle) -> None:
    order_id = "ENG-1001"
    total = data(gw.post(READ, {"id": order_id}))["order"]["total"]  # cached
    time.sleep(TTL_S + 0.2)  # stale now
    before = _entries(gw, order_id)

    stale = asyncio.run(_stale_read_during_a_flood(gw, order_id))
    assert stale == {"data": {"order": {"orderId": order_id, "total": total}}}

    added = _entries(gw, order_id)[: len(_entries(gw, order_id)) - len(before)]
    assert [e["severity"] for e in added] == ["INFO"], added
    assert [e["code"] for e in added] == ["CACHE_REFRESH_SKIPPED"], added
    # Nothing a client sees changed: the stale entry is still served, without an error.
    assert data(gw.post(READ, {"id": order_id}))["order"]["total"] == total


# A stale allowance that ends while the refresh still queues: a client read after it finds no
# entry and joins the refresh.
SHORT_STALE_S = 0.9


@pytest.fixture
def gw_short_stale() -> Iterator[GatewayHandle]:
    with sandbox_gateway(
        engage=VendorSettings(rate_limit_per_s=2.0),
        # Patient enough that no read here is refused: only the order of the calls tells.
        vendor_queue_s=30.0,
        cache_ttl_s=TTL_S,
        cache_stale_s=SHORT_STALE_S,
    ) as handle:
        yield handle


async def _a_client_joins_a_queued_refresh(gw: GatewayHandle, order_id: str) -> dict[str, Any]:
    await concurrent_reads(gw, [order_id])
    # Taken once the read is answered: the entry was stored by then, so its stale allowance
    # ends by this + TTL_S + SHORT_STALE_S (taken before the read, a slow read's entry outlived
    # the wait below and was still served stale to the read meant to join the refresh).
    cached_at = time.monotonic()
    await asyncio.sleep(TTL_S + 0.1)
    first = asyncio.ensure_future(concurrent_reads(gw, [f"FIRST-{n}" for n in range(4)]))
    await asyncio.sleep(0.1)
    await concurrent_reads(gw, [order_id])  # served stale; the refresh queues
    # The entry is gone, the refresh still queued: this read joins it.
    await asyncio.sleep(max(0.0, cached_at + TTL_S + SHORT_STALE_S + 0.1 - time.monotonic()))
    joined = asyncio.ensure_future(concurrent_reads(gw, [order_id]))
    await asyncio.sleep(0.1)
    later = asyncio.ensure_future(concurrent_reads(gw, [f"LATER-{n}" for n in range(4)]))
    await asyncio.gather(first, later)
    (answer,) = await joined
    return answer


def test_a_client_read_joining_a_background_refresh_waits_as_a_client_read(
    gw_short_stale: GatewayHandle,
) -> None:
    gw = gw_short_stale
    reset_requests(gw, Vendor.ENGAGE)
    answer = asyncio.run(_a_client_joins_a_queued_refresh(gw, "ENG-1001"))
    assert data(answer)["order"]["orderId"] == "ENG-1001"
    log = [e["path"].rsplit("/", 1)[1] for e in requests(gw, Vendor.ENGAGE)["log"]]
    reads = [name for name in log if name == "ENG-1001"]
    assert len(reads) == 2, log  # the first read, and the refresh the client joined
    refreshed = len(log) - 1 - log[::-1].index("ENG-1001")
    # Client reads sent after the joined one did not go ahead of it.
    assert [n for n in log[:refreshed] if n.startswith("LATER-")] == [], log


STALE_AND_FRESH = """{
  stale: order(vendor: ENGAGE, orderId: "ENG-1001") { orderId }
  fresh: order(vendor: ENGAGE, orderId: "ENG-1002") { orderId }
}"""


def test_a_refresh_is_not_a_vendor_call_of_the_request_that_served_the_stale_entry() -> None:
    # One vendor call per request: the refresh the stale entry starts is background work, not
    # the request's; its one call is the read of the order it does not have.
    with sandbox_gateway(
        cache_ttl_s=TTL_S, cache_stale_s=60.0, limits=QueryLimits(max_vendor_calls=1)
    ) as gw:
        data(gw.post(READ, {"id": "ENG-1001"}))
        time.sleep(TTL_S + 0.2)
        answer = gw.post(STALE_AND_FRESH)
    assert answer == {
        "data": {"stale": {"orderId": "ENG-1001"}, "fresh": {"orderId": "ENG-1002"}}
    }, answer


# A refresh that a client read joined, under a budget too short for it: the client's read fails.
JOINED_RATE_PER_S = 0.5
JOINED_QUEUE_S = 1.5


@pytest.fixture
def gw_joined_refusal() -> Iterator[GatewayHandle]:
    with sandbox_gateway(
        engage=VendorSettings(rate_limit_per_s=JOINED_RATE_PER_S),
        vendor_queue_s=JOINED_QUEUE_S,
        cache_ttl_s=TTL_S,
        cache_stale_s=SHORT_STALE_S,
    ) as handle:
        yield handle


async def _a_client_joins_a_refresh_that_gets_no_slot(
    gw: GatewayHandle, order_id: str
) -> dict[str, Any]:
    await concurrent_reads(gw, [order_id])
    # Taken once the read is answered: the entry was stored by then, so its stale allowance
    # ends by this + TTL_S + SHORT_STALE_S (taken before the read, a slow read's entry outlived
    # the wait below and was still served stale to the read meant to join the refresh).
    cached_at = time.monotonic()
    await asyncio.sleep(TTL_S + 0.1)
    flood = asyncio.ensure_future(concurrent_reads(gw, [f"FLOOD-{n}" for n in range(3)]))
    await asyncio.sleep(0.1)
    (stale,) = await concurrent_reads(gw, [order_id])  # served stale; the refresh queues
    assert data(stale)["order"]["orderId"] == order_id
    # The entry is gone, the refresh still queued: this read joins it.
    await asyncio.sleep(max(0.0, cached_at + TTL_S + SHORT_STALE_S + 0.1 - time.monotonic()))
    (joined,) = await concurrent_reads(gw, [order_id])
    await flood
    return joined


def test_a_joined_refresh_that_gets_no_slot_is_logged_as_the_clients_failed_read(
    gw_joined_refusal: GatewayHandle,
) -> None:
    gw = gw_joined_refusal
    order_id = "ENG-1001"
    before = _entries(gw, order_id)
    joined = asyncio.run(_a_client_joins_a_refresh_that_gets_no_slot(gw, order_id))
    # The client that joined saw the refusal ...
    codes = [error["extensions"]["code"] for error in joined.get("errors") or []]
    assert codes == ["RATE_LIMITED"], joined
    # ... so the log records a failed read, as for any client read that got no slot, and does
    # not say that a stale entry was served with no client seeing an error.
    added = _entries(gw, order_id)[: len(_entries(gw, order_id)) - len(before)]
    assert [(e["severity"], e["code"]) for e in added] == [("ERROR", "RATE_LIMITED")], added
