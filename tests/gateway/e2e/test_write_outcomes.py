"""What a client is told about a write whose answer was lost, over real HTTP.

When the gateway cannot know, it says ``WRITE_OUTCOME_UNKNOWN`` and what to do; the retry it
suggests (same mutation, same idempotency key) recognises the write that did land: ``COMPLETED``
with the warnings of the write, written once, never ``ORDER_ALREADY_EXISTS``.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from typing import Any

import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import (
    JOB_FIELDS,
    WRITE_ORDER,
    order_input,
    requests,
    wait_for_job,
    write_order,
)
from tests.support.gateway import TEST_JOBS, GatewayHandle, sandbox_gateway


def _faults(gw: GatewayHandle, vendor: Vendor = Vendor.EXPERTSENDER, **faults: float) -> None:
    emulator = gw.expertsender_url if vendor is Vendor.EXPERTSENDER else gw.engage_url
    url = f"{emulator}/_sandbox/faults"
    gw.client.put(url, json={"drop_after_commit_rate": 0.0, **faults}).raise_for_status()


def _retry_past_the_breaker(
    gw: GatewayHandle, variables: dict[str, Any], mutation: str = WRITE_ORDER
) -> dict[str, Any]:
    """The client's retry; the failures above opened the circuit breaker, which refuses
    calls (sending nothing) until it probes the vendor again."""
    deadline = time.monotonic() + 30
    while True:
        answer = gw.post(mutation, variables)
        codes = [e["extensions"]["code"] for e in answer.get("errors") or ()]
        if "CIRCUIT_OPEN" not in codes or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_an_unknown_outcome_says_what_to_do_and_the_retry_recognises_the_landed_write() -> None:
    order_id = f"LOST-{uuid.uuid4().hex[:10]}"
    # Channel is a field ExpertSender has no place for: the write carries a warning.
    order = order_input(Vendor.EXPERTSENDER, order_id, channel="Web")
    variables = {
        "input": {
            "vendor": "EXPERTSENDER",
            "mode": "ADD",
            "order": order,
            "idempotencyKey": order_id,
        }
    }
    with sandbox_gateway() as gw:
        # Every answer lost, reads too: the write lands, and nobody can tell.
        _faults(gw, drop_after_commit_rate=1.0)
        first = gw.post(WRITE_ORDER, variables)
        _faults(gw)
        retry = _retry_past_the_breaker(gw, variables)
        log = requests(gw, Vendor.EXPERTSENDER)["log"]
    (error,) = first["errors"]
    assert error["extensions"]["code"] == "WRITE_OUTCOME_UNKNOWN"
    assert "idempotencyKey" in error["message"]
    payload = retry["data"]["writeOrder"]
    assert payload["errors"] == []
    assert payload["job"]["state"] == "COMPLETED"
    warnings = {w["code"]: w["field"] for w in payload["job"]["warnings"]}
    assert warnings["FIELD_NOT_SUPPORTED"] == ["input", "order", "channel"]
    assert "WRITE_CONFIRMED_BY_READ" in warnings
    stored = [
        e
        for e in log
        if e["method"] == "POST"
        and e["order_id"] == order_id
        and (e.get("fault") == "drop_after_commit" or e["status"] == 201)
    ]
    assert len(stored) == 1


DELETE_ORDER = f"""
mutation($input: DeleteOrderInput!) {{
  deleteOrder(input: $input) {{ job {{ {JOB_FIELDS} }} errors {{ code message field }} }}
}}
"""
CHANGE_ORDER_STATUS = f"""
mutation($input: ChangeOrderStatusInput!) {{
  changeOrderStatus(input: $input) {{ job {{ {JOB_FIELDS} }} errors {{ code message field }} }}
}}
"""


# A delete reads the order before it is sent (an order that is not there is not "deleted" by a
# lost answer), so with every read lost too it is never sent: its lost answer is shown in
# test_write_retries, with the reads answered.
@pytest.mark.parametrize(
    ("mutation", "extra", "method", "path_end"),
    [(CHANGE_ORDER_STATUS, {"status": "PAID"}, "POST", "{order_id}/change-status")],
    ids=["changeOrderStatus"],
)
def test_the_retry_of_an_engage_change_whose_answer_was_lost_recognises_it_and_sends_it_once(
    mutation: str, extra: dict[str, Any], method: str, path_end: str
) -> None:
    order_id = f"LOST-{uuid.uuid4().hex[:10]}"
    variables = {"input": {"vendor": "ENGAGE", "orderId": order_id, "idempotencyKey": order_id}}
    variables["input"].update(extra)
    name = "deleteOrder" if mutation is DELETE_ORDER else "changeOrderStatus"
    # A short job timeout: the gateway looks for a lost write that long before it gives up.
    with sandbox_gateway(jobs=dataclasses.replace(TEST_JOBS, timeout_s=2.0)) as gw:
        created = write_order(gw, Vendor.ENGAGE, "ADD", order_input(Vendor.ENGAGE, order_id))
        assert wait_for_job(gw, created["job"]["id"])["state"] == "COMPLETED"
        # The change lands, and every answer about it is lost, reads too.
        _faults(gw, Vendor.ENGAGE, drop_after_commit_rate=1.0)
        first = gw.post(mutation, variables)
        _faults(gw, Vendor.ENGAGE)
        retry = _retry_past_the_breaker(gw, variables, mutation)
        log = requests(gw, Vendor.ENGAGE)["log"]
    assert [e["extensions"]["code"] for e in first["errors"]] == ["WRITE_OUTCOME_UNKNOWN"]
    payload = retry["data"][name]
    assert payload["errors"] == []
    assert payload["job"]["state"] == "COMPLETED"
    assert payload["job"]["orderId"] == order_id
    path = "/api/v3/orders/" + path_end.format(order_id=order_id)
    sent = [e for e in log if e["method"] == method and e["path"] == path]
    assert len(sent) == 1, sent
