"""Answers per vendor call, over real HTTP against the emulators: identical reads in flight are
made once for every request that asks, a stale entry is served while one refresh runs, and a
write through the gateway is never answered from before it. Vendor calls are counted by the
emulator (``/_sandbox/requests``)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import (
    data,
    order_input,
    requests,
    reset_requests,
    wait_for_job,
    write_order,
)
from tests.support.gateway import GatewayHandle, sandbox_gateway

ORDER_ROUTE = "GET /api/v3/orders/{orderId}"
ORDER_QUERY = """query($id: String!) {
  order(vendor: ENGAGE, orderId: $id) { orderId total status }
}"""
CONTACT_PAGE = """query($email: String!) {
  contact(vendor: ENGAGE, email: $email) { orders(first: 5) { edges { node { orderId } } } }
}"""
ANNA = "anna.berg@example.com"


def _order_reads(gw: GatewayHandle) -> int:
    return int(requests(gw, Vendor.ENGAGE)["by_route"].get(ORDER_ROUTE, 0))


def _eventually(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def _set_latency(gw: GatewayHandle, latency_ms: int) -> None:
    url = f"{gw.engage_url}/_sandbox/faults"
    gw.client.put(url, json={"latency_ms": latency_ms}).raise_for_status()


@pytest.fixture
def slow_engage(gw_no_cache: GatewayHandle) -> Iterator[GatewayHandle]:
    # Long enough that every concurrent request arrives while the first read is in flight.
    _set_latency(gw_no_cache, 1500)
    try:
        yield gw_no_cache
    finally:
        _set_latency(gw_no_cache, 0)


@pytest.fixture(scope="module")
def gw_no_cache() -> Iterator[GatewayHandle]:
    with sandbox_gateway(cache_ttl_s=0.0) as handle:
        yield handle


# Fresh for a second: reads one after another that count on a fresh entry (one vendor read
# for all of them) stay within it on a busy machine.
STALE_TTL_S = 1.0


@pytest.fixture(scope="module")
def gw_stale() -> Iterator[GatewayHandle]:
    with sandbox_gateway(cache_ttl_s=STALE_TTL_S, cache_stale_s=60.0) as handle:
        yield handle


async def _concurrently(url: str, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=30.0) as client:
        answers = await asyncio.gather(*(client.post(url, json=body) for body in bodies))
    return [answer.json() for answer in answers]


def test_identical_reads_in_flight_across_requests_reach_the_vendor_once(
    slow_engage: GatewayHandle,
) -> None:
    gw = slow_engage
    reset_requests(gw, Vendor.ENGAGE)
    body = {"query": ORDER_QUERY, "variables": {"id": "ENG-1001"}}
    results = asyncio.run(_concurrently(gw.graphql_url, [body] * 8))
    assert [data(r)["order"]["orderId"] for r in results] == ["ENG-1001"] * 8
    # Eight requests, caching off: one vendor call answered all of them.
    assert _order_reads(gw) == 1


def test_identical_contact_pages_in_flight_are_read_once(slow_engage: GatewayHandle) -> None:
    gw = slow_engage
    body = {"query": CONTACT_PAGE, "variables": {"email": ANNA}}
    asyncio.run(_concurrently(gw.graphql_url, [body]))
    reset_requests(gw, Vendor.ENGAGE)
    results = asyncio.run(_concurrently(gw.graphql_url, [body] * 6))
    pages = [data(r)["contact"]["orders"]["edges"] for r in results]
    assert all(page == pages[0] and len(page) == 5 for page in pages)
    routes = requests(gw, Vendor.ENGAGE)["by_route"]
    assert routes.get("GET /api/v3/orders") == 1


def _engage_order(order_id: str, total: float) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "contact": {"matchKey": ANNA, "matchKeyType": "Email"},
        "externalStoreId": "WEB-SE",
        "status": "InProgress",
        "currencyCode": "SEK",
        "createdAt": "2025-03-01T10:00:00+01:00",
        "lineItems": {
            "items": [{"quantity": 1, "article": {"sku": "SKU-CAP"}, "totalPrice": total}],
            "subTotal": total,
        },
        "totalPrice": total,
    }


def _write_on_the_vendor(gw: GatewayHandle, method: str, order_id: str, total: float) -> None:
    """A change made by another system, straight to the vendor: the gateway cannot know."""
    endpoint = gw.gateway.endpoints[Vendor.ENGAGE]
    headers = {
        "apikey": endpoint.api_key,
        "User-Agent": "order-gateway-tests/1.0",
        "Content-Type": "application/json",
    }
    path = "/api/v3/orders" + ("" if method == "POST" else f"/{order_id}")
    answer = httpx.request(
        method, endpoint.base_url + path, json=_engage_order(order_id, total), headers=headers
    )
    assert answer.status_code == 202, answer.text

    def landed() -> bool:
        got = httpx.get(f"{endpoint.base_url}/api/v3/orders/{order_id}", headers=headers)
        return got.status_code == 200 and got.json().get("totalPrice") == total

    _eventually(landed)


def _total(gw: GatewayHandle, order_id: str) -> float:
    order = data(gw.post(ORDER_QUERY, {"id": order_id}))["order"]
    assert order is not None
    return float(order["total"])


def test_a_stale_entry_is_served_while_one_refresh_runs(gw_stale: GatewayHandle) -> None:
    gw = gw_stale
    order_id = f"SWR-{uuid.uuid4().hex[:10]}"
    _write_on_the_vendor(gw, "POST", order_id, 100.0)
    assert _total(gw, order_id) == 100.0
    _write_on_the_vendor(gw, "PUT", order_id, 200.0)
    time.sleep(STALE_TTL_S + 0.1)  # past the TTL, well within the stale allowance
    reset_requests(gw, Vendor.ENGAGE)

    # Served from the stale entry at once: the refresh runs behind.
    assert _total(gw, order_id) == 100.0
    _eventually(lambda: _order_reads(gw) >= 1)
    _eventually(lambda: _total(gw, order_id) == 200.0)
    # One refresh for all those reads; the fresh answer is then served from the cache.
    assert _order_reads(gw) == 1


def test_a_write_through_the_gateway_is_never_answered_stale(gw_stale: GatewayHandle) -> None:
    gw = gw_stale
    order_id = f"SWW-{uuid.uuid4().hex[:10]}"
    created = write_order(gw, Vendor.ENGAGE, "ADD", order_input(Vendor.ENGAGE, order_id))
    assert wait_for_job(gw, created["job"]["id"])["state"] == "COMPLETED"
    assert _total(gw, order_id) == 398.0
    time.sleep(STALE_TTL_S + 0.1)  # the cached entry is stale now, and still servable
    replaced = order_input(Vendor.ENGAGE, order_id, total=123.0)
    job = write_order(gw, Vendor.ENGAGE, "REPLACE", replaced)["job"]
    assert wait_for_job(gw, job["id"])["state"] == "COMPLETED"
    assert _total(gw, order_id) == 123.0


PAGE_TOTALS = """query($email: String!) {
  contact(vendor: ENGAGE, email: $email) {
    orders(first: 5) { edges { node { orderId total } } }
  }
}"""


def _page_totals(gw: GatewayHandle) -> dict[str, float]:
    contact = data(gw.post(PAGE_TOTALS, {"email": ANNA}))["contact"]
    return {e["node"]["orderId"]: float(e["node"]["total"]) for e in contact["orders"]["edges"]}


def test_a_contact_page_is_cached_and_a_write_to_one_of_its_orders_drops_it(
    gw_stale: GatewayHandle,
) -> None:
    gw = gw_stale
    order_id = f"SWP-{uuid.uuid4().hex[:10]}"
    # The newest order of the contact, so it heads the first page.
    newest = order_input(Vendor.ENGAGE, order_id, createdAt="2030-01-01T00:00:00+00:00")
    created = write_order(gw, Vendor.ENGAGE, "ADD", newest)
    assert wait_for_job(gw, created["job"]["id"])["state"] == "COMPLETED"
    reset_requests(gw, Vendor.ENGAGE)
    assert _page_totals(gw)[order_id] == 398.0
    assert _page_totals(gw)[order_id] == 398.0
    assert requests(gw, Vendor.ENGAGE)["by_route"].get("GET /api/v3/orders") == 1

    changed = dict(newest, total=77.0)
    job = write_order(gw, Vendor.ENGAGE, "REPLACE", changed)["job"]
    assert wait_for_job(gw, job["id"])["state"] == "COMPLETED"
    assert _page_totals(gw)[order_id] == 77.0


CHANGE_STATUS = """mutation($input: ChangeOrderStatusInput!) {
  changeOrderStatus(input: $input) { job { id state } errors { code message } }
}"""
PAGE_STATUSES = """query($email: String!) {
  contact(vendor: ENGAGE, email: $email) {
    orders(first: 5) { edges { node { orderId externalStatus } } }
  }
}"""


def test_a_status_change_is_seen_on_the_cached_page_that_holds_the_order(
    gw_stale: GatewayHandle,
) -> None:
    gw = gw_stale
    order_id = f"SWS-{uuid.uuid4().hex[:10]}"
    newest = order_input(Vendor.ENGAGE, order_id, createdAt="2031-01-01T00:00:00+00:00")
    created = write_order(gw, Vendor.ENGAGE, "ADD", newest)
    assert wait_for_job(gw, created["job"]["id"])["state"] == "COMPLETED"

    def statuses() -> dict[str, str | None]:
        contact = data(gw.post(PAGE_STATUSES, {"email": ANNA}))["contact"]
        edges = contact["orders"]["edges"]
        return {e["node"]["orderId"]: e["node"]["externalStatus"] for e in edges}

    assert order_id in statuses()
    change = {"vendor": "ENGAGE", "orderId": order_id, "status": "IN_PROGRESS"}
    change["externalStatus"] = "packed"
    result = data(gw.post(CHANGE_STATUS, {"input": change}))["changeOrderStatus"]
    assert result["errors"] == []
    assert wait_for_job(gw, result["job"]["id"])["state"] == "COMPLETED"
    assert statuses()[order_id] == "packed"
