"""The header rules and the per-key rate limit every Engage call passes first."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.engage.app import create_app
from sandbox.engage.settings import EngageSandboxSettings
from tests.sandbox.engage.conftest import HEADERS, new_order
from tests.support.servers import LoopbackServer, serve

ORDER = "/api/v3/orders/ENG-1001"


def bare(srv: LoopbackServer) -> httpx.Client:
    # httpx adds its own User-Agent unless told otherwise; None removes it.
    return httpx.Client(base_url=srv.url, timeout=5)


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_missing_or_wrong_key_is_401(shared_engage: LoopbackServer, key: str | None) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "apikey"}
    if key is not None:
        headers["apikey"] = key
    with bare(shared_engage) as c:
        answer = c.get(ORDER, headers=headers)
        created = c.post("/api/v3/orders", headers=headers, json=new_order("KEYLESS-1"))
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 401
    assert created.status_code == 401
    with bare(shared_engage) as c:
        assert c.get("/api/v3/orders/KEYLESS-1", headers=HEADERS).status_code == 404


def test_key_in_authorization_header_is_not_accepted(shared_engage: LoopbackServer) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "apikey"}
    headers["Authorization"] = f"Bearer {HEADERS['apikey']}"
    with bare(shared_engage) as c:
        assert c.get(ORDER, headers=headers).status_code == 401


def test_any_configured_key_works() -> None:
    settings = EngageSandboxSettings(api_keys={"key-a", "key-b"})
    with serve(create_app(settings)) as srv, bare(srv) as c:
        for key in ("key-a", "key-b"):
            assert c.get(ORDER, headers={**HEADERS, "apikey": key}).status_code == 200
        assert c.get(ORDER, headers=HEADERS).status_code == 401


@pytest.mark.parametrize("agent", [None, ""])
def test_missing_user_agent_is_400(shared_engage: LoopbackServer, agent: str | None) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "User-Agent"}
    with httpx.Client(base_url=shared_engage.url, timeout=5) as c:
        c.headers.pop("user-agent")
        if agent is not None:
            headers["User-Agent"] = agent
        answer = c.get(ORDER, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "UserAgentMissing"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/xml"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_missing_or_other_content_type_is_the_documented_500(
    shared_engage: LoopbackServer, content_type: str | None, method: str
) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "Content-Type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    body = b'{"orderId": "CT-1"}' if method == "POST" else None
    url = "/api/v3/orders" if method == "POST" else "/api/v3/orders/ENG-1001"
    with bare(shared_engage) as c:
        answer = c.request(method, url, headers=headers, content=body)
        assert answer.status_code == 500
        assert answer.json() == {"message": "An error has occurred."}
        # The delete never happened.
        assert c.get("/api/v3/orders/ENG-1001", headers=HEADERS).status_code == 200


def test_content_type_parameters_are_fine(shared_engage: LoopbackServer) -> None:
    headers = {**HEADERS, "Content-Type": "Application/JSON; charset=utf-8"}
    with bare(shared_engage) as c:
        assert c.get(ORDER, headers=headers).status_code == 200


def test_openapi_and_control_routes_need_no_headers(shared_engage: LoopbackServer) -> None:
    with bare(shared_engage) as c:
        assert c.get("/openapi.json").status_code == 200
        assert c.get("/_sandbox/requests").status_code == 200


def test_rate_limit_per_key_answers_429_with_retry_after() -> None:
    settings = EngageSandboxSettings(api_keys={"key-a", "key-b"}, rate_limit_per_second=5)
    with serve(create_app(settings)) as srv, bare(srv) as c:
        statuses = [
            c.get(ORDER, headers={**HEADERS, "apikey": "key-a"}).status_code for _ in range(8)
        ]
        limited = c.get(ORDER, headers={**HEADERS, "apikey": "key-a"})
        other_key = c.get(ORDER, headers={**HEADERS, "apikey": "key-b"})
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}
    assert limited.status_code == 429
    assert limited.json()["errorCode"] == "TooManyRequests"
    assert int(limited.headers["retry-after"]) >= 1
    assert other_key.status_code == 200


def test_rate_limit_window_frees_after_a_second() -> None:
    settings = EngageSandboxSettings(rate_limit_per_second=3)
    with serve(create_app(settings)) as srv, bare(srv) as c:
        for _ in range(3):
            c.get(ORDER, headers=HEADERS)
        assert c.get(ORDER, headers=HEADERS).status_code == 429
        time.sleep(1.05)
        assert c.get(ORDER, headers=HEADERS).status_code == 200


def test_rate_limit_can_change_at_runtime(engage: LoopbackServer) -> None:
    with bare(engage) as c:
        changed = c.put("/_sandbox/settings", json={"rate_limit_per_second": 2})
        assert changed.json() == {
            "job_delay_ms": 20,
            "rate_limit_per_second": 2,
            "jobs_held": False,
        }
        statuses = [c.get(ORDER, headers=HEADERS).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
