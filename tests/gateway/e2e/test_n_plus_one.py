"""Nested queries cost a bounded number of vendor calls, counted on the emulators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import (
    DEMO,
    data,
    order_input,
    requests,
    reset_requests,
    wait_for_job,
    write_order,
)
from tests.support.gateway import GatewayHandle, sandbox_gateway

MANY = 20

CONTACT_WITH_ORDERS = """query($e: String!, $first: Int!) {
  contact(vendor: ENGAGE, email: $e) {
    email
    orders(first: $first) {
      edges { node {
        orderId status lines { sku name quantity unitPrice }
        contact { email firstName }
        linkedOrders { orderId }
      } }
    }
  }
}"""

ORDERS_WITH_CONTACTS = """query($ids: [String!]!) {
  orders(vendor: EXPERTSENDER, orderIds: $ids) {
    orderId lines { sku quantity } contact { email lastName }
  }
  again: orders(vendor: EXPERTSENDER, orderIds: $ids) { orderId contact { email } }
}"""

ES_MANY_IDS = [f"ES-M{n:03d}" for n in range(1, MANY + 1)]


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(cache_ttl_s=60.0) as handle:
        yield handle


def _count(gw: GatewayHandle, vendor: Vendor) -> tuple[int, dict[str, int]]:
    counts: dict[str, Any] = requests(gw, vendor)
    return counts["total"], counts["by_route"]


def test_engage_contact_with_20_orders_costs_a_handful_of_calls(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    email = DEMO[Vendor.ENGAGE]["many_email"]
    contact = data(gw.post(CONTACT_WITH_ORDERS, {"e": email, "first": MANY}))["contact"]
    edges = contact["orders"]["edges"]
    assert len(edges) == MANY
    assert all(e["node"]["contact"]["email"] == email for e in edges)
    assert all(e["node"]["lines"] for e in edges)
    total, routes = _count(gw, Vendor.ENGAGE)
    # Find the contact, list its orders once; every order's contact is the one already found.
    assert routes.get("GET /api/v3/orders") == 1
    assert "GET /api/v3/orders/{orderId}" not in routes
    assert total <= 4, routes


def test_expertsender_reads_each_order_once_and_the_contact_once(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.EXPERTSENDER)
    result = data(gw.post(ORDERS_WITH_CONTACTS, {"ids": ES_MANY_IDS}))
    assert [o["orderId"] for o in result["orders"]] == ES_MANY_IDS
    assert {o["contact"]["email"] for o in result["orders"]} == {
        DEMO[Vendor.EXPERTSENDER]["many_email"]
    }
    total, routes = _count(gw, Vendor.EXPERTSENDER)
    # ExpertSender has no batch read: one read per distinct order, however often it is asked.
    assert routes["GET /orders/{orderId}"] == MANY
    assert total == MANY + 1, routes


def test_the_read_cache_serves_a_repeated_request(gw: GatewayHandle) -> None:
    data(gw.post(ORDERS_WITH_CONTACTS, {"ids": ES_MANY_IDS}))
    reset_requests(gw, Vendor.EXPERTSENDER)
    data(gw.post(ORDERS_WITH_CONTACTS, {"ids": ES_MANY_IDS}))
    assert _count(gw, Vendor.EXPERTSENDER)[0] == 0


def test_without_the_cache_every_request_reads_again() -> None:
    with sandbox_gateway(cache_ttl_s=0.0) as gw:
        data(gw.post(ORDERS_WITH_CONTACTS, {"ids": ES_MANY_IDS[:5]}))
        reset_requests(gw, Vendor.EXPERTSENDER)
        data(gw.post(ORDERS_WITH_CONTACTS, {"ids": ES_MANY_IDS[:5]}))
        assert _count(gw, Vendor.EXPERTSENDER)[1]["GET /orders/{orderId}"] == 5


ORDER_TOTAL = "query($v: Vendor!, $id: String!) { order(vendor: $v, orderId: $id) { total } }"


@pytest.mark.parametrize("vendor", [Vendor.ENGAGE, Vendor.EXPERTSENDER])
def test_writes_and_job_completions_invalidate_the_cache(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = f"CACHE-{vendor.value}"
    first = write_order(gw, vendor, "ADD", order_input(vendor, order_id, total=1.0))
    wait_for_job(gw, first["job"]["id"])
    variables = {"v": vendor.value, "id": order_id}
    assert data(gw.post(ORDER_TOTAL, variables))["order"]["total"] == 1.0
    replaced = write_order(gw, vendor, "REPLACE", order_input(vendor, order_id, total=2.0))
    # Read while an asynchronous job may still run: this may cache the old version...
    data(gw.post(ORDER_TOTAL, variables))
    wait_for_job(gw, replaced["job"]["id"])
    # ...which the job's completion drops, well before the 60 s TTL.
    assert data(gw.post(ORDER_TOTAL, variables))["order"]["total"] == 2.0


def test_the_same_contact_asked_twice_is_looked_up_once(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    email = DEMO[Vendor.ENGAGE]["email"]
    query = """query($e: String!) {
      a: contact(vendor: ENGAGE, email: $e) { contactId }
      b: contact(vendor: ENGAGE, email: $e) { contactId email }
    }"""
    result = data(gw.post(query, {"e": email}))
    assert result["a"]["contactId"] == result["b"]["contactId"]
    assert requests(gw, Vendor.ENGAGE)["by_route"]["GET /api/v3/contacts/id"] == 1
