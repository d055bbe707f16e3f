"""The shared sandbox plumbing: counters, fault injection and the `/_sandbox/` routes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.control import SandboxApp, SandboxControl, note_order_id
from sandbox.faults import Fault, FaultInjector, FaultSettings, FaultSettingsError
from tests.support.servers import LoopbackServer, serve

WRITES: list[str] = []


async def get_thing(request: Request) -> Response:
    return JSONResponse({"orderId": request.path_params["orderId"]})


async def openapi(request: Request) -> Response:
    return JSONResponse({"openapi": "3.0.3"})


async def post_thing(request: Request) -> Response:
    body = await request.json()
    WRITES.append(body["id"])
    note_order_id(request, body["id"])
    return JSONResponse({"stored": body["id"]}, status_code=201)


def make_app(settings: FaultSettings | None = None) -> SandboxApp:
    return SandboxApp(
        control=SandboxControl.with_faults(settings or FaultSettings()),
        routes=[
            Route("/things/{orderId}", get_thing, methods=["GET"]),
            Route("/things", post_thing, methods=["POST"]),
            Route("/openapi.json", openapi, methods=["GET"]),
        ],
    )


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    WRITES.clear()
    with serve(make_app()) as srv:
        yield srv


def client(srv: LoopbackServer) -> httpx.Client:
    return httpx.Client(base_url=srv.url, timeout=5)


def test_counts_vendor_requests_by_route_template(server: LoopbackServer) -> None:
    with client(server) as c:
        c.get("/things/A-1")
        before = time.time()
        c.get("/things/A-2")
        c.post("/things", json={"id": "B-1"})
        c.get("/nowhere")
        c.get("/_sandbox/faults")
        seen = c.get("/_sandbox/requests").json()
        after = time.time()
    assert seen["total"] == 4
    arrivals = [entry.pop("at") for entry in seen["log"]]
    assert arrivals == sorted(arrivals)
    assert before <= arrivals[1] and arrivals[-1] <= after
    assert seen["by_route"] == {
        "GET /things/{orderId}": 2,
        "POST /things": 1,
        "GET /nowhere": 1,
    }
    assert seen["log"][0] == {
        "method": "GET",
        "path": "/things/A-1",
        "route": "/things/{orderId}",
        "status": 200,
        "order_id": "A-1",
    }
    assert seen["log"][2]["order_id"] == "B-1"
    assert seen["log"][2]["status"] == 201
    assert seen["log"][3]["status"] == 404


def test_reset_clears_counters(server: LoopbackServer) -> None:
    with client(server) as c:
        c.get("/things/A-1")
        assert c.post("/_sandbox/requests/reset").json() == {"total": 0, "by_route": {}, "log": []}
        assert c.get("/_sandbox/requests").json()["total"] == 0


def test_openapi_is_not_counted(server: LoopbackServer) -> None:
    with client(server) as c:
        assert c.get("/openapi.json").status_code == 200
        assert c.get("/_sandbox/requests").json()["total"] == 0


def test_faults_round_trip_and_merge(server: LoopbackServer) -> None:
    with client(server) as c:
        assert c.get("/_sandbox/faults").json() == FaultSettings().to_json()
        changed = c.put("/_sandbox/faults", json={"latency_ms": 5, "error_rate": 0.25})
        assert changed.status_code == 200
        assert changed.json()["latency_ms"] == 5
        kept = c.put("/_sandbox/faults", json={"seed": 7}).json()
        assert kept["error_rate"] == 0.25
        assert kept["seed"] == 7


@pytest.mark.parametrize(
    "body",
    [
        {"error_rate": 1.5},
        {"error_rate": -0.1},
        {"error_rate": "half"},
        {"latency_ms": 1.5},
        {"latency_ms": True},
        {"no_such_setting": 1},
        {"error_rate": 0.6, "drop_rate": 0.6},
        {"methods": "POST"},
        {"methods": ["POST", 1]},
        {"methods": ["PO ST"]},
        [1, 2],
    ],
)
def test_bad_fault_settings_are_rejected_and_change_nothing(
    server: LoopbackServer, body: object
) -> None:
    with client(server) as c:
        before = c.get("/_sandbox/faults").json()
        answer = c.put("/_sandbox/faults", json=body)
        assert answer.status_code == 400
        assert answer.headers["content-type"] == "application/problem+json"
        assert c.get("/_sandbox/faults").json() == before


def test_malformed_fault_settings_json(server: LoopbackServer) -> None:
    with client(server) as c:
        answer = c.put("/_sandbox/faults", content=b"{nope")
        assert answer.status_code == 400


def test_error_rate_answers_503_and_is_counted(server: LoopbackServer) -> None:
    with client(server) as c:
        c.put("/_sandbox/faults", json={"error_rate": 1.0})
        answer = c.get("/things/A-1")
        assert answer.status_code == 503
        assert answer.json()["status"] == 503
        entry = c.get("/_sandbox/requests").json()["log"][-1]
    assert entry["status"] == 503
    assert entry["fault"] == "error"


def test_rate_limit_rate_answers_429_with_retry_after(server: LoopbackServer) -> None:
    with client(server) as c:
        c.put("/_sandbox/faults", json={"rate_limit_rate": 1.0, "retry_after_s": 3})
        answer = c.post("/things", json={"id": "B-1"})
        assert answer.status_code == 429
        assert answer.headers["retry-after"] == "3"
    assert WRITES == []


def test_drop_closes_the_connection_before_handling(server: LoopbackServer) -> None:
    with client(server) as c:
        c.put("/_sandbox/faults", json={"drop_rate": 1.0})
        with pytest.raises(httpx.RemoteProtocolError):
            c.post("/things", json={"id": "B-1"})
        c.put("/_sandbox/faults", json={"drop_rate": 0.0})
        log = c.get("/_sandbox/requests").json()["log"]
    assert WRITES == []
    assert log[-1]["fault"] == "drop"
    assert log[-1]["status"] is None


def test_drop_after_commit_lands_the_write_without_an_answer(server: LoopbackServer) -> None:
    with client(server) as c:
        c.put("/_sandbox/faults", json={"drop_after_commit_rate": 1.0})
        with pytest.raises(httpx.RemoteProtocolError):
            c.post("/things", json={"id": "B-1"})
        c.put("/_sandbox/faults", json={"drop_after_commit_rate": 0.0})
        log = c.get("/_sandbox/requests").json()["log"]
        # The server stays healthy for the next connection.
        assert c.get("/things/A-1").status_code == 200
    assert WRITES == ["B-1"]
    assert log[-1]["fault"] == "drop_after_commit"
    assert log[-1]["status"] == 201
    assert log[-1]["order_id"] == "B-1"


def test_faults_limited_to_some_methods_leave_the_others_alone(server: LoopbackServer) -> None:
    with client(server) as c:
        settings = {"drop_after_commit_rate": 1.0, "methods": ["post"]}
        assert c.put("/_sandbox/faults", json=settings).json()["methods"] == ["POST"]
        assert c.get("/things/A-1").status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            c.post("/things", json={"id": "B-1"})
        assert c.get("/things/B-1").status_code == 200
        c.put("/_sandbox/faults", json={"drop_after_commit_rate": 0.0, "methods": []})
        faults = [e.get("fault") for e in c.get("/_sandbox/requests").json()["log"]]
    assert WRITES == ["B-1"]
    assert faults == [None, "drop_after_commit", None]


def test_garble_lands_the_write_and_answers_its_status_with_a_body_that_is_not_json(
    server: LoopbackServer,
) -> None:
    with client(server) as c:
        c.put("/_sandbox/faults", json={"garble_rate": 1.0})
        answer = c.post("/things", json={"id": "B-1"})
        c.put("/_sandbox/faults", json={"garble_rate": 0.0})
        entry = c.get("/_sandbox/requests").json()["log"][-1]
    assert WRITES == ["B-1"]
    assert answer.status_code == 201
    with pytest.raises(ValueError):
        answer.json()
    assert (entry["fault"], entry["status"]) == ("garble", 201)


def test_latency_delays_vendor_requests_only() -> None:
    with serve(make_app(FaultSettings(latency_ms=800))) as srv, client(srv) as c:
        fast = c.get("/_sandbox/faults")
        slow = c.get("/things/A-1")
    # A wide gap, so a loaded machine cannot blur the two.
    assert slow.elapsed.total_seconds() >= 0.79
    assert fast.elapsed.total_seconds() < 0.6


def test_draws_follow_the_seed_and_the_rates() -> None:
    settings = FaultSettings(error_rate=0.2, rate_limit_rate=0.1, drop_rate=0.05, seed=42)
    first = FaultInjector(settings)
    second = FaultInjector(settings)
    draws = [first.draw() for _ in range(4000)]
    assert draws == [second.draw() for _ in range(4000)]
    share = {fault: draws.count(fault) / len(draws) for fault in Fault}
    assert share[Fault.ERROR] == pytest.approx(0.2, abs=0.03)
    assert share[Fault.RATE_LIMIT] == pytest.approx(0.1, abs=0.03)
    assert share[Fault.DROP] == pytest.approx(0.05, abs=0.02)
    assert share[Fault.DROP_AFTER_COMMIT] == 0


def test_configure_restarts_the_sequence() -> None:
    injector = FaultInjector(FaultSettings(error_rate=0.5, seed=3))
    first = [injector.draw() for _ in range(50)]
    injector.configure(FaultSettings(error_rate=0.5, seed=3))
    assert [injector.draw() for _ in range(50)] == first


def test_invalid_settings_cannot_be_built() -> None:
    with pytest.raises(FaultSettingsError):
        FaultSettings(error_rate=2.0)
