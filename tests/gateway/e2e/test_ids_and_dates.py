"""Ids and dates the gateway accepts are ones it can read back, at both vendors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import data, order_input, wait_for_job, write_order
from tests.support.gateway import GatewayHandle, sandbox_gateway

VENDORS = list(Vendor)
READ = "query($v: Vendor!, $id: String!) { order(vendor: $v, orderId: $id) { orderId createdAt } }"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("odd", ["a?b", "a#b", "a%b", "a b", "a%2Fb", "a+b&c=d", "ö€"])
def test_ids_with_url_characters_are_encoded_and_read_back(
    gw: GatewayHandle, vendor: Vendor, odd: str
) -> None:
    order_id = f"ID-{vendor.value}-{odd}"
    payload = write_order(gw, vendor, "ADD", order_input(vendor, order_id))
    assert payload["errors"] == [], payload
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    read = data(gw.post(READ, {"v": vendor.value, "id": order_id}))["order"]
    assert read is not None and read["orderId"] == order_id


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("odd", ["a/b", "a\\b", "a\nb"])
def test_ids_no_url_can_address_are_refused_up_front(
    gw: GatewayHandle, vendor: Vendor, odd: str
) -> None:
    payload = write_order(gw, vendor, "ADD", order_input(vendor, f"ID-{odd}"))
    assert payload["job"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("INVALID_ID", ["input", "order", "orderId"])
    ]


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize(
    "created_at",
    ["0615-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"],
)
def test_dates_outside_what_the_vendors_store_are_refused_at_the_edge(
    gw: GatewayHandle, vendor: Vendor, created_at: str
) -> None:
    order = order_input(vendor, f"DATE-{vendor.value}-{created_at[:4]}", createdAt=created_at)
    payload = write_order(gw, vendor, "ADD", order)
    assert payload["job"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION_FAILED", ["input", "order", "createdAt"])
    ]


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("created_at", ["1753-01-02T00:00:00Z", "9999-12-30T00:00:00+00:00"])
def test_dates_at_the_edges_of_the_range_read_back(
    gw: GatewayHandle, vendor: Vendor, created_at: str
) -> None:
    order_id = f"EDGE-{vendor.value}-{created_at[:4]}"
    payload = write_order(gw, vendor, "ADD", order_input(vendor, order_id, createdAt=created_at))
    assert payload["errors"] == [], payload
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    read = data(gw.post(READ, {"v": vendor.value, "id": order_id}))["order"]
    assert read is not None and read["createdAt"][:10] == created_at[:10]
