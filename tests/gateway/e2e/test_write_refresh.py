"""A finished write leaves the order as the gateway read it afterwards in the read cache, so the
next client read costs no vendor call, and no read after a write is ever answered from before
it. Over real HTTP against the Engage emulator (documented answers: a finished job is a bare
302, so the adapter reads the order for its versionTag); vendor calls counted by the emulator.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import (
    FINAL_STATES,
    data,
    order_input,
    requests,
    reset_requests,
    wait_for_job,
    write_order,
)
from tests.support.gateway import GatewayHandle, sandbox_gateway

READ = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId externalStatus } }"
CHANGE_STATUS = """mutation($input: ChangeOrderStatusInput!) {
  changeOrderStatus(input: $input) { job { id state } errors { code message } }
}"""
JOB_STATE = "query($id: ID!) { job(id: $id) { state } }"
ORDER_ROUTE = "GET /api/v3/orders/{orderId}"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(cache_ttl_s=60.0, cache_stale_s=300.0) as handle:
        yield handle


def _new_order(gw: GatewayHandle) -> str:
    order_id = f"WR-{uuid.uuid4().hex[:10]}"
    created = write_order(gw, Vendor.ENGAGE, "ADD", order_input(Vendor.ENGAGE, order_id))
    assert wait_for_job(gw, created["job"]["id"])["state"] == "COMPLETED"
    return order_id


def _finished(gw: GatewayHandle, job_id: str) -> str:
    """The job's final state, asked for without its order (which would read the order)."""
    deadline = time.monotonic() + 30
    while True:
        state: str = data(gw.post(JOB_STATE, {"id": job_id}))["job"]["state"]
        if state in FINAL_STATES:
            return state
        assert time.monotonic() < deadline, f"job still {state}"
        time.sleep(0.02)


def _external_status(gw: GatewayHandle, order_id: str) -> str | None:
    order = data(gw.post(READ, {"id": order_id}))["order"]
    status: str | None = order["externalStatus"]
    return status


def _vendor_status(gw: GatewayHandle, order_id: str) -> str | None:
    """What the vendor itself holds, asked directly."""
    api_key = gw.gateway.endpoints[Vendor.ENGAGE].api_key
    headers = {
        "apikey": api_key,
        "User-Agent": "OrderGatewayTests/1.0",
        "Content-Type": "application/json",
    }
    stored = gw.client.get(f"{gw.engage_url}/api/v3/orders/{order_id}", headers=headers)
    stored.raise_for_status()
    status: str | None = stored.json().get("externalStatus")
    return status


def _change(order_id: str, external_status: str) -> dict[str, Any]:
    change = {"vendor": "ENGAGE", "orderId": order_id, "status": "IN_PROGRESS"}
    return {"input": {**change, "externalStatus": external_status}}


def _change_status(gw: GatewayHandle, order_id: str, external_status: str) -> str:
    result = data(gw.post(CHANGE_STATUS, _change(order_id, external_status)))["changeOrderStatus"]
    assert result["errors"] == []
    job_id: str = result["job"]["id"]
    return job_id


def test_a_finished_status_change_leaves_the_changed_order_cached(gw: GatewayHandle) -> None:
    order_id = _new_order(gw)
    assert _external_status(gw, order_id) is None  # cached before the change
    job_id = _change_status(gw, order_id, "packed")
    assert _finished(gw, job_id) == "COMPLETED"
    reset_requests(gw, Vendor.ENGAGE)
    # The job's own read of the finished order answers every read after it.
    assert [_external_status(gw, order_id) for _ in range(5)] == ["packed"] * 5
    assert requests(gw, Vendor.ENGAGE)["by_route"].get(ORDER_ROUTE, 0) == 0


def test_every_read_after_a_write_shows_it(gw: GatewayHandle) -> None:
    order_id = _new_order(gw)
    for version in range(1, 6):
        job_id = _change_status(gw, order_id, f"step-{version}")
        assert _finished(gw, job_id) == "COMPLETED"
        assert _external_status(gw, order_id) == f"step-{version}"


async def _two_changes_at_once(gw: GatewayHandle, order_id: str) -> list[str]:
    async with httpx.AsyncClient(timeout=30.0) as client:
        answers = await asyncio.gather(
            *(
                client.post(
                    gw.graphql_url,
                    json={"query": CHANGE_STATUS, "variables": _change(order_id, status)},
                )
                for status in ("first", "second")
            )
        )
    return [data(a.json())["changeOrderStatus"]["job"]["id"] for a in answers]


def test_writes_racing_on_one_order_leave_what_the_vendor_holds(gw: GatewayHandle) -> None:
    order_id = _new_order(gw)
    for _ in range(3):
        job_ids = asyncio.run(_two_changes_at_once(gw, order_id))
        for job_id in job_ids:
            assert _finished(gw, job_id) == "COMPLETED"
        # Whichever landed last at the vendor, the gateway answers what the vendor holds.
        assert _external_status(gw, order_id) == _vendor_status(gw, order_id)


ES_READ = "query($id: String!) { order(vendor: EXPERTSENDER, orderId: $id) { orderId total } }"


def test_a_write_finished_at_once_leaves_the_order_it_answered_cached(gw: GatewayHandle) -> None:
    """ExpertSender answers a write synchronously: its job is final in the mutation's answer,
    and the order that answer read is what every later read gets, without a vendor call (the
    finished write drops the cached order once, before that read, not again after it)."""
    order_id = f"WRN-{uuid.uuid4().hex[:10]}"
    result = write_order(gw, Vendor.EXPERTSENDER, "ADD", order_input(Vendor.EXPERTSENDER, order_id))
    assert result["job"]["state"] == "COMPLETED"
    assert result["order"]["total"] == 398.0
    reset_requests(gw, Vendor.EXPERTSENDER)
    totals = [data(gw.post(ES_READ, {"id": order_id}))["order"]["total"] for _ in range(3)]
    assert totals == [398.0] * 3
    log = requests(gw, Vendor.EXPERTSENDER)["log"]
    assert [e for e in log if e["method"] == "GET"] == []
