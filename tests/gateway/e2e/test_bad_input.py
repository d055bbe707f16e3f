"""Bad input gets a clear, typed error and changes nothing at either vendor."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.model import Vendor
from gateway.ids import NodeType, encode_id
from tests.gateway.e2e.orders_support import (
    DEMO,
    WRITE_ORDER,
    order_input,
    requests,
    reset_requests,
    writes,
)
from tests.support.gateway import GatewayHandle, sandbox_gateway


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


@pytest.fixture
def untouched(gw: GatewayHandle) -> Iterator[None]:
    """The test must not write anything at either vendor."""
    reset_requests(gw)
    yield
    for vendor in Vendor:
        assert writes(gw, vendor) == [], vendor


def _codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or ()]


def _no_internals(result: dict[str, Any]) -> None:
    text = json.dumps(result)
    assert "Traceback" not in text and "127.0.0.1" not in text and "api-key" not in text.lower()


@pytest.mark.parametrize(
    "document",
    [
        "{ order(vendor: ENGAGE, orderId: ",
        "mutation { writeOrder }",
        '{ order(vendor: SHOPIFY, orderId: "1") { id } }',
        "{ order(vendor: ENGAGE) { id } }",
        "{ nothingHere }",
        "",
    ],
)
def test_malformed_documents_are_refused_before_execution(
    gw: GatewayHandle, untouched: None, document: str
) -> None:
    result = gw.post(document)
    assert result["errors"] and result.get("data") is None
    assert all(error["message"] for error in result["errors"])
    _no_internals(result)
    for vendor in Vendor:
        assert requests(gw, vendor)["total"] == 0


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda o: o["lines"][0].update(quantity="two"), "quantity"),
        (lambda o: o.update(createdAt="yesterday"), "createdAt"),
        (lambda o: o.update(status="SHIPPED"), "status"),
        (lambda o: o.pop("lines"), "lines"),
        (lambda o: o.update(total="a lot"), "total"),
    ],
)
def test_wrong_variable_types_are_refused(
    gw: GatewayHandle, untouched: None, change: Any, where: str
) -> None:
    order = order_input(Vendor.ENGAGE, "TYPE-1")
    change(order)
    result = gw.post(WRITE_ORDER, {"input": {"vendor": "ENGAGE", "mode": "ADD", "order": order}})
    assert result.get("data") is None
    [error] = result["errors"]
    assert "$input" in error["message"] and where in error["message"]
    _no_internals(result)


def _write(gw: GatewayHandle, vendor: Vendor, order: dict[str, Any], **extra: Any) -> Any:
    result = gw.post(
        WRITE_ORDER, {"input": {"vendor": vendor.value, "mode": "ADD", "order": order, **extra}}
    )
    assert not result.get("errors"), result
    return result["data"]["writeOrder"]


CHEAP_CHECKS = [
    (lambda o: o["lines"][0].update(quantity=-1), ["input", "order", "lines", "0", "quantity"]),
    (
        lambda o: o["lines"][0].update(returnedQuantity=-2),
        ["input", "order", "lines", "0", "returnedQuantity"],
    ),
    (lambda o: o["lines"][0].update(sku=" "), ["input", "order", "lines", "0", "sku"]),
    (lambda o: o.update(contact={}), ["input", "order", "contact"]),
    (lambda o: o.update(contact={"email": ""}), ["input", "order", "contact"]),
    (lambda o: o.update(orderId=""), ["input", "order", "orderId"]),
    (lambda o: o.update(createdAt="2025-05-01T12:00:00"), ["input", "order", "createdAt"]),
    (lambda o: o.update(references=["ok", ""]), ["input", "order", "references", "1"]),
]


@pytest.mark.parametrize("vendor", list(Vendor))
@pytest.mark.parametrize(("change", "field"), CHEAP_CHECKS)
def test_cheap_checks_answer_user_errors_without_calling_the_vendor(
    gw: GatewayHandle, untouched: None, vendor: Vendor, change: Any, field: list[str]
) -> None:
    order = order_input(vendor, "CHEAP-1")
    change(order)
    payload = _write(gw, vendor, order)
    assert payload["job"] is None and payload["order"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION_FAILED", field)]
    assert requests(gw, vendor)["total"] == 0


def test_every_cheap_problem_is_reported_at_once(gw: GatewayHandle, untouched: None) -> None:
    order = order_input(Vendor.ENGAGE, "")
    order["contact"] = {}
    order["lines"][0]["quantity"] = -5
    payload = _write(gw, Vendor.ENGAGE, order, idempotencyKey="x" * 201)
    assert {tuple(e["field"]) for e in payload["errors"]} == {
        ("input", "idempotencyKey"),
        ("input", "order", "orderId"),
        ("input", "order", "contact"),
        ("input", "order", "lines", "0", "quantity"),
    }


def test_custom_action_needs_a_name(gw: GatewayHandle, untouched: None) -> None:
    result = gw.post(
        'mutation { triggerOrderAction(input: {vendor: ENGAGE, orderId: "ENG-1001", '
        "action: CUSTOM}) { job { id } errors { code field } } }"
    )
    assert result["data"]["triggerOrderAction"] == {
        "job": None,
        "errors": [{"code": "VALIDATION_FAILED", "field": ["input", "customAction"]}],
    }


def test_empty_order_ids_on_other_mutations(gw: GatewayHandle, untouched: None) -> None:
    for mutation, extra in (
        ("deleteOrder", ""),
        ("changeOrderStatus", "status: COMPLETED"),
        ("triggerOrderAction", "action: CONFIRM_ORDER"),
    ):
        result = gw.post(
            f'mutation {{ {mutation}(input: {{vendor: ENGAGE, orderId: "", {extra}}}) '
            "{ job { id } errors { code field } } }"
        )
        assert result["data"][mutation]["errors"] == [
            {"code": "VALIDATION_FAILED", "field": ["input", "orderId"]}
        ], mutation


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "bad_id",
    ["not-an-id", _b64("Order:ENGAGE"), _b64("Widget:ENGAGE:1"), _b64("Order:ACME:1"), ""],
)
def test_invalid_global_ids_are_typed_errors(gw: GatewayHandle, bad_id: str) -> None:
    for query in (
        "query($id: ID!) { node(id: $id) { id } }",
        "query($id: ID!) { job(id: $id) { id } }",
    ):
        result = gw.post(query, {"id": bad_id})
        assert _codes(result) == ["INVALID_ID"], result
        assert result["errors"][0]["message"].startswith("Invalid global id")
        _no_internals(result)


def test_an_order_id_is_not_a_job_id(gw: GatewayHandle) -> None:
    order_id = encode_id(NodeType.ORDER, Vendor.ENGAGE, DEMO[Vendor.ENGAGE]["order"])
    result = gw.post("query($id: ID!) { job(id: $id) { id } }", {"id": order_id})
    assert _codes(result) == ["INVALID_ID"]
    assert "expected a Job id" in result["errors"][0]["message"]


@pytest.mark.parametrize("vendor", list(Vendor))
def test_unknown_but_well_formed_ids_are_null(gw: GatewayHandle, vendor: Vendor) -> None:
    for node_type, key in (
        (NodeType.ORDER, "NO-SUCH-ORDER"),
        (NodeType.JOB, "00000000-0000-0000-0000-000000000000"),
        (NodeType.CONTACT, "00000000-0000-0000-0000-000000000000"),
    ):
        result = gw.post(
            "query($id: ID!) { node(id: $id) { id } }", {"id": encode_id(node_type, vendor, key)}
        )
        assert result == {"data": {"node": None}}, (node_type, result)
    log_id = encode_id(NodeType.LOG_ENTRY, None, "999999")
    assert gw.post("query($id: ID!) { node(id: $id) { id } }", {"id": log_id}) == {
        "data": {"node": None}
    }


@pytest.mark.parametrize(
    "query",
    [
        '{ contact(vendor: ENGAGE, email: "a@example.com", phone: "1") { id } }',
        "{ contact(vendor: ENGAGE) { id } }",
        '{ contact(vendor: ENGAGE, email: "  ") { id } }',
        '{ order(vendor: ENGAGE, orderId: "") { id } }',
        '{ orders(vendor: ENGAGE, orderIds: [""]) { id } }',
        "{ integrationLog(first: 501) { totalCount } }",
        "{ integrationLog(first: -1) { totalCount } }",
        '{ integrationLog(after: "bm9wZQ") { totalCount } }',
        '{ contact(vendor: ENGAGE, email: "anna.berg@example.com") '
        "{ orders(first: 101) { totalCount } } }",
        '{ contact(vendor: ENGAGE, email: "anna.berg@example.com") '
        '{ orders(after: "garbage") { totalCount } } }',
    ],
)
def test_bad_arguments_are_bad_user_input(gw: GatewayHandle, query: str) -> None:
    result = gw.post(query)
    assert _codes(result) == ["BAD_USER_INPUT"], result
    _no_internals(result)


def test_too_many_order_ids(gw: GatewayHandle) -> None:
    ids = [f"X-{i}" for i in range(101)]
    result = gw.post(
        "query($ids: [String!]!) { orders(vendor: ENGAGE, orderIds: $ids) { id } }", {"ids": ids}
    )
    assert _codes(result) == ["BAD_USER_INPUT"]


def test_an_ambiguous_contact_key_is_a_clear_error(gw: GatewayHandle) -> None:
    # Two Engage demo contacts share a household phone.
    result = gw.post('{ contact(vendor: ENGAGE, phone: "+46705550100") { id } }')
    assert result["data"] == {"contact": None}
    assert _codes(result) == ["MULTIPLE_MATCHES"]
    assert result["errors"][0]["extensions"]["vendor"] == "ENGAGE"
