"""The app as a whole: the API key, unknown routes, counters and injected faults."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.expertsender import ExpertSenderSandboxSettings, create_app
from sandbox.faults import FaultSettings
from tests.sandbox.expertsender.conftest import AUTH, batch, valid_order
from tests.support.servers import serve


@pytest.fixture
def fresh_url() -> Iterator[str]:
    """An emulator of its own, for tests that change faults or read counters."""
    with serve(create_app(), ws="none") as server:
        yield server.url


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-api-key": "wrong"},
        {"x-api-key": ""},
        {"apikey": AUTH["x-api-key"]},
        {"authorization": f"Bearer {AUTH['x-api-key']}"},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/orders"),
        ("GET", "/orders/ES-1001"),
        ("DELETE", "/orders/ES-1001"),
        ("PUT", "/orders/status"),
        ("GET", "/customers/email/jonas.lind@example.com"),
        ("GET", "/no/such/route"),
    ],
)
def test_missing_or_wrong_key_is_401(
    es_url: str, headers: dict[str, str], method: str, path: str
) -> None:
    body = batch(valid_order()) if method == "POST" else None
    response = httpx.request(method, es_url + path, headers=headers, json=body, timeout=10)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["substatus"] == "InvalidApiKey"
    assert problem["status"] == 401
    assert problem["instance"] == path
    assert "errors" not in problem
    # Nothing was deleted or written by the refused calls.
    ok = httpx.get(es_url + "/orders/ES-1001", headers=AUTH, timeout=10)
    assert ok.json()["data"]["isDeleted"] is False


def test_the_header_name_is_case_insensitive(es_url: str) -> None:
    response = httpx.get(
        es_url + "/orders/ES-1001", headers={"X-API-KEY": AUTH["x-api-key"]}, timeout=10
    )
    assert response.status_code == 200


def test_any_configured_key_is_accepted() -> None:
    settings = ExpertSenderSandboxSettings(api_keys=frozenset({"unit-a", "unit-b"}))
    with serve(create_app(settings), ws="none") as server:
        for key in ("unit-a", "unit-b"):
            response = httpx.get(server.url + "/orderattributes", headers={"x-api-key": key})
            assert response.status_code == 200
        assert httpx.get(server.url + "/orderattributes", headers=AUTH).status_code == 401


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="api_keys"):
        ExpertSenderSandboxSettings(api_keys=frozenset())
    with pytest.raises(ValueError, match="max_body_bytes"):
        ExpertSenderSandboxSettings(max_body_bytes=0)


def test_without_demo_data_the_unit_is_empty() -> None:
    with serve(create_app(ExpertSenderSandboxSettings(seed_demo_data=False)), ws="none") as srv:
        assert httpx.get(srv.url + "/orders/ES-1001", headers=AUTH).status_code == 404
        response = httpx.get(srv.url + "/customers/id/1001", headers=AUTH)
        assert response.status_code == 404


def test_unknown_route_is_a_404_problem(client: httpx.Client) -> None:
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.json()["substatus"] == "ResourceNotFound"


def test_wrong_method_is_a_405_problem(client: httpx.Client) -> None:
    response = client.patch("/orders/ES-1001")
    assert response.status_code == 405
    assert response.json()["substatus"] == "MethodNotAllowed"
    assert set(response.headers["allow"].split(", ")) >= {"GET", "DELETE"}


def test_requests_are_counted_by_route_with_order_ids(fresh_url: str) -> None:
    with httpx.Client(base_url=fresh_url, headers=AUTH, timeout=10) as client:
        order = valid_order()
        client.post("/orders", json=batch(order))
        client.get(f"/orders/{order['id']}")
        client.get("/orders/ES-1001")
        client.put("/orders/status", json={"orderId": order["id"], "orderStatus": "paid"})
        client.delete(f"/orders/{order['id']}")
        client.get("/customers/email/jonas.lind@example.com")
        client.get("/openapi.json")  # not a vendor call: not counted
        httpx.get(fresh_url + "/orders/ES-1001", timeout=10)  # refused, still counted
        counts = client.get("/_sandbox/requests").json()
    assert counts["total"] == 7
    assert counts["by_route"] == {
        "POST /orders": 1,
        "GET /orders/{orderId}": 3,
        "PUT /orders/status": 1,
        "DELETE /orders/{orderId}": 1,
        "GET /customers/email/{email}": 1,
    }
    log = counts["log"]
    assert [e["order_id"] for e in log[:5]] == [order["id"], order["id"], "ES-1001"] + [
        order["id"]
    ] * 2
    assert [e["status"] for e in log] == [201, 200, 200, 200, 200, 200, 401]


def test_counters_reset(fresh_url: str) -> None:
    with httpx.Client(base_url=fresh_url, headers=AUTH, timeout=10) as client:
        client.get("/orders/ES-1001")
        assert client.post("/_sandbox/requests/reset").json()["total"] == 0
        assert client.get("/_sandbox/requests").json()["total"] == 0


def test_injected_rate_limit_is_a_vendor_style_429(fresh_url: str) -> None:
    with httpx.Client(base_url=fresh_url, headers=AUTH, timeout=10) as client:
        faults = client.put("/_sandbox/faults", json={"rate_limit_rate": 1.0, "retry_after_s": 7})
        assert faults.status_code == 200
        order = valid_order()
        response = client.post("/orders", json=batch(order))
        assert response.status_code == 429
        assert response.headers["retry-after"] == "7"
        assert response.json()["substatus"] == "TooManyRequests"
        client.put("/_sandbox/faults", json={"rate_limit_rate": 0.0})
        assert client.get(f"/orders/{order['id']}").status_code == 404


def test_injected_error_is_503(fresh_url: str) -> None:
    with httpx.Client(base_url=fresh_url, headers=AUTH, timeout=10) as client:
        client.put("/_sandbox/faults", json={"error_rate": 1.0})
        response = client.get("/orders/ES-1001")
        assert response.status_code == 503
        assert response.json()["substatus"] == "ServiceUnavailable"


def test_drop_after_commit_lands_the_write_without_an_answer(fresh_url: str) -> None:
    with httpx.Client(base_url=fresh_url, headers=AUTH, timeout=10) as client:
        client.put("/_sandbox/faults", json={"drop_after_commit_rate": 1.0})
        order = valid_order()
        with pytest.raises(httpx.TransportError):
            client.post("/orders", json=batch(order))
        client.put("/_sandbox/faults", json={"drop_after_commit_rate": 0.0})
        assert client.get(f"/orders/{order['id']}").status_code == 200


def test_faults_chosen_at_start() -> None:
    settings = ExpertSenderSandboxSettings(faults=FaultSettings(error_rate=1.0))
    with serve(create_app(settings), ws="none") as server:
        assert httpx.get(server.url + "/orders/ES-1001", headers=AUTH).status_code == 503
        faults = httpx.get(server.url + "/_sandbox/faults").json()
        assert faults["error_rate"] == 1.0
