"""A Float written into a document must be a number a vendor can be sent: a literal beyond
the double range (``1e400``) reads as infinity, which JSON cannot carry, so it went to the
vendor as null (a vendor error about a missing field, or an optional value silently dropped).
It is refused before anything runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import reset_requests, writes
from tests.support.gateway import GatewayHandle, sandbox_gateway


def write_order(order_id: str, returns_value: str) -> str:
    return (
        "mutation { writeOrder(input: {vendor: ENGAGE, mode: ADD, order: {"
        f'orderId: "{order_id}", createdAt: "2026-11-23T10:15:00Z", currency: "SEK", '
        f'total: 1, returnsValue: {returns_value}, contact: {{email: "anna.berg@example.com"}}, '
        'lines: [{sku: "SKU-BAG", quantity: 1, totalPrice: 1}]}}) '
        "{ job { state } errors { code } } }"
    )


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def codes(body: dict[str, object]) -> list[object]:
    errors = body.get("errors") or []
    assert isinstance(errors, list)
    return [error["extensions"]["code"] for error in errors]


@pytest.mark.parametrize("literal", ["1e400", "-1e400", "1E309"])
def test_an_infinite_float_literal_is_refused_before_any_vendor_call(
    gw: GatewayHandle, literal: str
) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    body = gw.post(write_order(f"FLOAT-{literal}", literal))
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"], body
    assert literal in str(body["errors"])
    assert writes(gw, Vendor.ENGAGE) == []


def test_anywhere_in_the_document(gw: GatewayHandle) -> None:
    # (The variable is also unused, which graphql-core reports beside it.)
    as_default = gw.post("query Totals($total: Float = 1e400) { vendors { vendor } }")
    assert set(codes(as_default)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert any("1e400" in error["message"] for error in as_default["errors"])
    in_json = (
        'mutation { triggerOrderAction(input: {vendor: ENGAGE, orderId: "ENG-1001", '
        'action: CUSTOM, customAction: "x", data: {amount: 1e400}}) { errors { code } } }'
    )
    assert codes(gw.post(in_json)) == ["GRAPHQL_VALIDATION_FAILED"]


def test_a_large_finite_literal_is_sent_as_written(gw: GatewayHandle) -> None:
    body = gw.post(write_order("FLOAT-FINITE", "1e300"))
    assert body["data"]["writeOrder"] == {"job": {"state": "PENDING"}, "errors": []}, body
