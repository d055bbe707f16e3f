"""Format validation: bad input gets a typed 4xx problem and changes nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest

from sandbox.engage.app import create_app
from sandbox.engage.settings import EngageSandboxSettings
from sandbox.engage.store import EngageState
from sandbox.engage.validation import validate_order
from tests.sandbox.engage.conftest import FAST_JOBS_MS, engage_client, new_order, wait_for_job
from tests.support.servers import serve

Change = Callable[[dict[str, Any]], None]


def drop(*path: str | int) -> Change:
    def change(order: dict[str, Any]) -> None:
        target: Any = order
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def put(value: Any, *path: str | int) -> Change:
    def change(order: dict[str, Any]) -> None:
        target: Any = order
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


LINE = ("lineItems", "items", 0)
BAD_ORDERS: list[tuple[str, Change, str, str]] = [
    ("no orderId", drop("orderId"), "orderId", "Required"),
    ("blank orderId", put("  ", "orderId"), "orderId", "Required"),
    ("numeric orderId", put(1001, "orderId"), "orderId", "InvalidType"),
    ("long orderId", put("x" * 129, "orderId"), "orderId", "TooLong"),
    ("no contact", drop("contact"), "contact", "Required"),
    ("contact as string", put("anna", "contact"), "contact", "InvalidType"),
    ("no matchKey", drop("contact", "matchKey"), "contact.matchKey", "Required"),
    (
        "bad matchKeyType",
        put("Shoe", "contact", "matchKeyType"),
        "contact.matchKeyType",
        "InvalidValue",
    ),
    ("no status", drop("status"), "status", "Required"),
    ("bad status", put("Shipped", "status"), "status", "InvalidValue"),
    ("status as list", put(["InProgress"], "status"), "status", "InvalidType"),
    ("no currency", drop("currencyCode"), "currencyCode", "Required"),
    ("lower-case currency", put("sek", "currencyCode"), "currencyCode", "InvalidValue"),
    ("4-letter currency", put("SEKK", "currencyCode"), "currencyCode", "TooLong"),
    ("no createdAt", drop("createdAt"), "createdAt", "Required"),
    (
        "createdAt without offset",
        put("2025-12-03T15:15:19", "createdAt"),
        "createdAt",
        "InvalidValue",
    ),
    ("createdAt nonsense", put("yesterday", "createdAt"), "createdAt", "InvalidValue"),
    ("no lineItems", drop("lineItems"), "lineItems", "Required"),
    ("no lines", put([], "lineItems", "items"), "lineItems.items", "Required"),
    ("line not object", put("line", *LINE), "lineItems.items[0]", "InvalidType"),
    ("no quantity", drop(*LINE, "quantity"), "lineItems.items[0].quantity", "Required"),
    ("zero quantity", put(0, *LINE, "quantity"), "lineItems.items[0].quantity", "InvalidValue"),
    (
        "negative quantity",
        put(-1, *LINE, "quantity"),
        "lineItems.items[0].quantity",
        "InvalidValue",
    ),
    (
        "boolean quantity",
        put(True, *LINE, "quantity"),
        "lineItems.items[0].quantity",
        "InvalidType",
    ),
    ("string quantity", put("2", *LINE, "quantity"), "lineItems.items[0].quantity", "InvalidType"),
    ("no article", drop(*LINE, "article"), "lineItems.items[0].article", "Required"),
    ("no sku", drop(*LINE, "article", "sku"), "lineItems.items[0].article.sku", "Required"),
    ("bad line type", put("Gift", *LINE, "type"), "lineItems.items[0].type", "InvalidValue"),
    ("no line total", drop(*LINE, "totalPrice"), "lineItems.items[0].totalPrice", "Required"),
    (
        "return without type",
        put({"reason": "x"}, *LINE, "returnDetails"),
        "lineItems.items[0].returnDetails.type",
        "Required",
    ),
    (
        "long return reason",
        put({"type": "Normal", "reason": "r" * 256}, *LINE, "returnDetails"),
        "lineItems.items[0].returnDetails.reason",
        "TooLong",
    ),
    (
        "tax without amount",
        put([{"percent": 25}], *LINE, "taxes"),
        "lineItems.items[0].taxes[0].amount",
        "Required",
    ),
    ("no totalPrice", drop("totalPrice"), "totalPrice", "Required"),
    ("totalPrice as text", put("498", "totalPrice"), "totalPrice", "InvalidType"),
    ("references not strings", put([1], "references"), "references[0]", "InvalidType"),
    (
        "payments item amount",
        put({"items": [{"type": "Card"}]}, "payments"),
        "payments.items[0].amount",
        "Required",
    ),
    (
        "delivery date",
        put({"deliveryDate": "soon"}, "delivery"),
        "delivery.deliveryDate",
        "InvalidValue",
    ),
    (
        "address field type",
        put({"city": 5}, "billingAddress"),
        "billingAddress.city",
        "InvalidType",
    ),
    (
        "action without name",
        put({"language": "sv"}, "orderAction"),
        "orderAction.action",
        "Required",
    ),
]


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[httpx.Client, EngageState]]:
    app = create_app(EngageSandboxSettings(job_delay_ms=FAST_JOBS_MS))
    with serve(app) as srv, engage_client(srv) as c:
        yield c, app.state.engage


def snapshot(state: EngageState) -> tuple[Any, ...]:
    orders = {
        k: (copy.deepcopy(v.body), v.version_tag, v.contact_id) for k, v in state.orders.items()
    }
    return orders, len(state.jobs), len(state.actions)


@pytest.mark.parametrize(
    ("name", "change", "field", "code"), BAD_ORDERS, ids=[b[0] for b in BAD_ORDERS]
)
def test_invalid_orders_are_400_with_the_field_and_change_nothing(
    live: tuple[httpx.Client, EngageState], name: str, change: Change, field: str, code: str
) -> None:
    client, state = live
    before = snapshot(state)
    for method, url, order_id in (
        ("POST", "/api/v3/orders", "BAD-1"),
        ("PUT", "/api/v3/orders/ENG-1001", "ENG-1001"),
    ):
        body = new_order(order_id)
        change(body)
        answer = client.request(method, url, json=body)
        assert answer.status_code == 400, (method, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["errorCode"] == "ValidationFailed"
        assert {"field": field, "code": code} in [
            {"field": e["field"], "code": e["code"]} for e in problem["errors"]
        ], problem["errors"]
    assert snapshot(state) == before


def test_every_problem_is_reported_at_once() -> None:
    _, errors = validate_order({"orderId": 5, "lineItems": {"items": [{}]}})
    fields = {e["field"] for e in errors}
    assert {
        "orderId",
        "contact",
        "status",
        "currencyCode",
        "createdAt",
        "totalPrice",
        "lineItems.items[0].quantity",
        "lineItems.items[0].article",
        "lineItems.items[0].totalPrice",
    } <= fields


@pytest.mark.parametrize(
    "raw",
    [b"{", b"not json", b"", b"   ", b'{"orderId": "A",}', b"\xff\xfe", b"[" * 5000 + b"]" * 5000],
    ids=["truncated", "text", "empty", "blank", "trailing-comma", "not-utf8", "deep"],
)
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v3/orders"),
        ("PUT", "/api/v3/orders/ENG-1001"),
        ("POST", "/api/v3/orders/ENG-1001/action"),
        ("POST", "/api/v3/orders/ENG-1001/change-status"),
        ("POST", "/api/v3/orders/ENG-1001/change-delivery"),
    ],
)
def test_malformed_json_is_400_and_changes_nothing(
    live: tuple[httpx.Client, EngageState], raw: bytes, method: str, url: str
) -> None:
    client, state = live
    before = snapshot(state)
    answer = client.request(method, url, content=raw)
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "InvalidJson"
    assert snapshot(state) == before


@pytest.mark.parametrize("body", [[], "order", 42, None, True, [new_order("ARR-1")]])
def test_non_object_bodies_are_400(live: tuple[httpx.Client, EngageState], body: Any) -> None:
    client, state = live
    before = snapshot(state)
    for method, url in (("POST", "/api/v3/orders"), ("PUT", "/api/v3/orders/ENG-1001")):
        answer = client.request(method, url, content=orjson.dumps(body))
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["code"] == "InvalidType"
    assert snapshot(state) == before


def test_oversized_bodies_are_413_and_change_nothing(
    live: tuple[httpx.Client, EngageState],
) -> None:
    client, state = live
    before = snapshot(state)
    big = new_order("BIG-1", externalStatus="x" * (1024 * 1024))
    answer = client.post("/api/v3/orders", json=big)
    assert answer.status_code == 413
    assert answer.json()["errorCode"] == "PayloadTooLarge"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap must hold while streaming
        yield b'{"orderId": "BIG-2", "x": "'
        for _ in range(70):
            yield b"y" * 16384
        yield b'"}'

    streamed = client.put("/api/v3/orders/ENG-1001", content=chunks())
    assert streamed.status_code == 413
    assert snapshot(state) == before


def test_a_body_just_under_the_cap_is_read(live: tuple[httpx.Client, EngageState]) -> None:
    client, _ = live
    body = new_order("NEAR-CAP", references=["r" * 1000] * 1000)
    assert 1_000_000 < len(orjson.dumps(body)) < 1024 * 1024
    accepted = client.post("/api/v3/orders", json=body)
    assert accepted.status_code == 202
    assert wait_for_job(client, accepted.json()["href"]).status_code == 302


@pytest.mark.parametrize("depth", [65, 300, 1000])
def test_deeply_nested_json_is_refused(live: tuple[httpx.Client, EngageState], depth: int) -> None:
    client, state = live
    before = snapshot(state)
    nested = "[" * depth + "]" * depth
    tag = client.get("/api/v3/orders/ENG-1001").json()["versionTag"]
    raw = f'{{"action": "ConfirmOrder", "versionTag": "{tag}", "data": {nested}}}'
    answer = client.post("/api/v3/orders/ENG-1001/action", content=raw.encode())
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "InvalidJson"
    assert snapshot(state) == before


def test_nesting_within_the_limit_is_stored_and_read_back(
    live: tuple[httpx.Client, EngageState],
) -> None:
    client, _ = live
    nested: Any = "leaf"
    for _ in range(60):
        nested = {"n": nested}
    accepted = client.post("/api/v3/orders", json=new_order("DEEP-1", extra=nested))
    assert accepted.status_code == 202
    assert wait_for_job(client, accepted.json()["href"]).status_code == 302
    assert client.get("/api/v3/orders/DEEP-1").json()["extra"] == nested


def test_huge_numbers_and_odd_values_do_not_crash(live: tuple[httpx.Client, EngageState]) -> None:
    client, state = live
    before = snapshot(state)
    for raw in (
        b'{"orderId": "N-1", "totalPrice": 1e999}',
        b'{"orderId": "N-1", "totalPrice": NaN}',
        b'{"orderId": "N-1", "totalPrice": 123456789012345678901234567890}',
    ):
        answer = client.post("/api/v3/orders", content=raw)
        assert answer.status_code == 400, raw
    assert snapshot(state) == before


def test_null_optional_fields_are_accepted_and_echoed(
    live: tuple[httpx.Client, EngageState],
) -> None:
    client, _ = live
    order = new_order("NULLS-1", externalStatus=None, delivery=None, channel=None)
    accepted = client.post("/api/v3/orders", json=order)
    assert accepted.status_code == 202
    assert wait_for_job(client, accepted.json()["href"]).status_code == 302
    assert client.get("/api/v3/orders/NULLS-1").json()["externalStatus"] is None
