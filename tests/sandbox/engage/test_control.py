"""The `/_sandbox/` routes of the Engage emulator: exact counters, faults, settings, actions."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.engage.app import create_app
from sandbox.engage.settings import EngageSandboxSettings
from sandbox.faults import FaultSettings
from tests.sandbox.engage.conftest import HEADERS, engage_client, new_order, wait_for_job
from tests.support.servers import LoopbackServer, serve


def counts(client: httpx.Client) -> dict[str, int]:
    return dict(client.get("/_sandbox/requests").json()["by_route"])


def test_counters_are_exact_per_route_template(client: httpx.Client) -> None:
    accepted = client.post("/api/v3/orders", json=new_order("CNT-1"))
    polls = 0
    while True:
        polls += 1
        if client.get(accepted.json()["href"]).status_code != 200:
            break
    client.get("/api/v3/orders/CNT-1")
    client.get("/api/v3/orders/ENG-1001")
    client.get("/api/v3/orders/ENG-1001", headers={"apikey": "wrong"})
    client.get("/openapi.json")
    assert counts(client) == {
        "POST /api/v3/orders": 1,
        "GET /api/v3/orders/jobs/{jobId}": polls,
        "GET /api/v3/orders/{orderId}": 3,
    }
    log = client.get("/_sandbox/requests").json()["log"]
    assert [entry["status"] for entry in log][-3:] == [200, 200, 401]
    assert log[0]["order_id"] == "CNT-1"  # from the body of the create
    assert log[1]["order_id"] == "CNT-1"  # from the job it polls
    assert client.post("/_sandbox/requests/reset").json()["total"] == 0


def test_faults_chosen_at_start_answer_in_engage_style() -> None:
    settings = EngageSandboxSettings(faults=FaultSettings(error_rate=1.0))
    with serve(create_app(settings)) as srv, engage_client(srv) as c:
        answer = c.get("/api/v3/orders/ENG-1001")
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/problem+json"
        assert c.get("/_sandbox/faults").json()["error_rate"] == 1.0
        c.put("/_sandbox/faults", json={"error_rate": 0})
        assert c.get("/api/v3/orders/ENG-1001").status_code == 200


def test_injected_429_carries_retry_after_and_engage_error_code(client: httpx.Client) -> None:
    client.put("/_sandbox/faults", json={"rate_limit_rate": 1.0, "retry_after_s": 2})
    answer = client.post("/api/v3/orders", json=new_order("F-1"))
    client.put("/_sandbox/faults", json={"rate_limit_rate": 0.0})
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "2"
    assert answer.json()["errorCode"] == "TooManyRequests"
    assert client.get("/api/v3/orders/F-1").status_code == 404


def test_drop_after_commit_create_still_lands(client: httpx.Client) -> None:
    client.put("/_sandbox/faults", json={"drop_after_commit_rate": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/api/v3/orders", json=new_order("F-2"))
    client.put("/_sandbox/faults", json={"drop_after_commit_rate": 0.0})
    entry = client.get("/_sandbox/requests").json()["log"][-1]
    assert (entry["status"], entry["fault"], entry["order_id"]) == (202, "drop_after_commit", "F-2")
    # The job was accepted: the order appears without anyone polling, and a retry sees 409.
    deadline = time.monotonic() + 30
    while client.get("/api/v3/orders/F-2").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.get("/api/v3/orders/F-2").status_code == 200
    assert client.post("/api/v3/orders", json=new_order("F-2")).status_code == 409


def test_drop_before_handling_never_writes(client: httpx.Client) -> None:
    client.put("/_sandbox/faults", json={"drop_rate": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/api/v3/orders", json=new_order("F-3"))
    client.put("/_sandbox/faults", json={"drop_rate": 0.0})
    accepted = client.post("/api/v3/orders", json=new_order("F-3"))
    assert accepted.status_code == 202
    assert wait_for_job(client, accepted.json()["href"]).status_code == 302


def test_settings_change_job_delay(engage: LoopbackServer) -> None:
    with engage_client(engage) as c:
        assert c.get("/_sandbox/settings").json() == {
            "job_delay_ms": 20,
            "rate_limit_per_second": 200,
            "jobs_held": False,
        }
        c.put("/_sandbox/settings", json={"job_delay_ms": 0})
        accepted = c.post("/api/v3/orders", json=new_order("FAST-1"))
        assert wait_for_job(c, accepted.json()["href"], timeout_s=1).status_code == 302


def test_held_jobs_wait_for_their_release(engage: LoopbackServer) -> None:
    with engage_client(engage) as c:
        assert c.put("/_sandbox/settings", json={"jobs_held": True}).json()["jobs_held"] is True
        try:
            accepted = c.post("/api/v3/orders", json=new_order("HELD-1"))
            href = accepted.json()["href"]
            # Ten times the step delay: an unheld job would have finished long before.
            time.sleep(0.2)
            assert c.get(href).json()["status"] == "Pending"
        finally:
            released = c.put("/_sandbox/settings", json={"jobs_held": False})
        assert released.json()["jobs_held"] is False
        assert wait_for_job(c, href).status_code == 302


@pytest.mark.parametrize(
    "body",
    [
        {"job_delay_ms": -1},
        {"rate_limit_per_second": 0},
        {"job_delay_ms": "1"},
        {"jobs_held": 1},
        {"x": 1},
        [1],
    ],
)
def test_bad_settings_are_refused(client: httpx.Client, body: object) -> None:
    before = client.get("/_sandbox/settings").json()
    assert client.put("/_sandbox/settings", json=body).status_code == 400
    assert client.get("/_sandbox/settings").json() == before


def test_control_routes_need_no_key(engage: LoopbackServer) -> None:
    with httpx.Client(base_url=engage.url, timeout=5) as c:
        assert c.get("/_sandbox/actions").json() == {"actions": []}
        assert c.get("/_sandbox/settings").status_code == 200
    with engage_client(engage, apikey="wrong") as c:
        assert c.get("/_sandbox/faults").status_code == 200
    assert HEADERS["apikey"] != "wrong"
