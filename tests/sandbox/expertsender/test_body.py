"""Bodies that cannot be read as an order request: vendor-style problems, nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from tests.sandbox.expertsender.conftest import batch, new_id, valid_order

JSON = {"content-type": "application/json"}


def snapshot(client: httpx.Client, order_id: str, email: str) -> tuple[Any, ...]:
    """What a failed write must not change: a stored order, and whether a customer exists."""
    order = client.get(f"/orders/{order_id}")
    customer = client.get(f"/customers/email/{email}")
    return order.status_code, order.json(), customer.status_code


@pytest.fixture
def stored(client: httpx.Client) -> dict[str, Any]:
    order = valid_order(currency="EUR")
    assert client.post("/orders", json=batch(order)).status_code == 201
    return order


def replacement(order: dict[str, Any], email: str) -> dict[str, Any]:
    return dict(order, currency="USD", customer={"email": email})


MALFORMED = [
    b"",
    b"{",
    b'{"mode": "AddOrReplace", "data": [',
    b"{'mode': 'Add'}",
    b'{"mode": "Add", "data": [NaN]}',
    b'{"mode": "Add", "data": [1e400]}',
    b"\xff\xfe{}",
    b'"\\ud800"',
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_json_is_400_and_changes_nothing(
    client: httpx.Client, stored: dict[str, Any], raw: bytes
) -> None:
    email = f"{new_id('m')}@example.com"
    before = snapshot(client, stored["id"], email)
    response = client.post("/orders", content=raw, headers=JSON)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["substatus"] == "OrderInvalidModelState"
    assert problem["errors"] == ["$: The request body is not valid JSON."]
    assert snapshot(client, stored["id"], email) == before
    status = client.put("/orders/status", content=raw, headers=JSON)
    assert status.status_code == 400
    assert snapshot(client, stored["id"], email) == before


def test_a_truncated_valid_write_changes_nothing(
    client: httpx.Client, stored: dict[str, Any]
) -> None:
    email = f"{new_id('t')}@example.com"
    before = snapshot(client, stored["id"], email)
    raw = orjson.dumps(batch(replacement(stored, email), mode="Replace"))
    for cut in (1, len(raw) // 2, len(raw) - 1):
        assert client.post("/orders", content=raw[:cut], headers=JSON).status_code == 400
    assert snapshot(client, stored["id"], email) == before


def test_wrong_types_change_nothing(client: httpx.Client, stored: dict[str, Any]) -> None:
    email = f"{new_id('w')}@example.com"
    before = snapshot(client, stored["id"], email)
    bad = replacement(stored, email)
    bad["totalValue"] = "150"
    response = client.post("/orders", json=batch(bad, mode="AddOrReplace"))
    assert response.status_code == 400
    assert snapshot(client, stored["id"], email) == before


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_non_json_content_type_is_415(
    client: httpx.Client, stored: dict[str, Any], content_type: str | None
) -> None:
    email = f"{new_id('c')}@example.com"
    before = snapshot(client, stored["id"], email)
    raw = orjson.dumps(batch(replacement(stored, email), mode="Replace"))
    headers = {"content-type": content_type} if content_type else {}
    request = client.build_request("POST", "/orders", content=raw, headers=headers)
    assert request.headers.get("content-type") == content_type
    response = client.send(request)
    assert response.status_code == 415
    assert response.json()["substatus"] == "UnsupportedMediaType"
    assert snapshot(client, stored["id"], email) == before


def test_json_with_charset_is_accepted(client: httpx.Client) -> None:
    raw = orjson.dumps(batch(valid_order()))
    headers = {"content-type": "application/json; charset=utf-8"}
    assert client.post("/orders", content=raw, headers=headers).status_code == 201


def _oversized(order: dict[str, Any]) -> bytes:
    padded = dict(order, padding="x" * (1024 * 1024))
    return orjson.dumps(batch(padded, mode="AddOrReplace"))


def test_oversized_body_is_413_and_changes_nothing(
    client: httpx.Client, stored: dict[str, Any]
) -> None:
    email = f"{new_id('o')}@example.com"
    before = snapshot(client, stored["id"], email)
    response = client.post("/orders", content=_oversized(replacement(stored, email)), headers=JSON)
    assert response.status_code == 413
    problem = response.json()
    assert problem["substatus"] == "RequestTooLarge"
    assert problem["status"] == 413
    assert snapshot(client, stored["id"], email) == before


def test_oversized_chunked_body_without_length_is_413(
    client: httpx.Client, stored: dict[str, Any]
) -> None:
    raw = _oversized(replacement(stored, "chunked@example.com"))

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 64 * 1024):
            yield raw[start : start + 64 * 1024]

    response = client.post("/orders", content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert client.get(f"/orders/{stored['id']}").json()["data"]["currency"] == "EUR"


def test_a_body_just_under_the_cap_is_read(client: httpx.Client) -> None:
    order = valid_order()
    raw = orjson.dumps(batch(dict(order, padding="")))
    room = 1024 * 1024 - len(raw)
    raw = orjson.dumps(batch(dict(order, padding="x" * room)))
    assert len(raw) == 1024 * 1024
    assert client.post("/orders", content=raw, headers=JSON).status_code == 201
