"""What a client is told about a write whose answer was lost, over real HTTP.

When the gateway cannot know, it says ``WRITE_OUTCOME_UNKNOWN`` and what to do; the retry it
suggests (same mutation, same idempotency key) recognises the write that did land: ``COMPLETED``
with the warnings of the write, written once, never ``ORDER_ALREADY_EXISTS``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import WRITE_ORDER, order_input, requests
from tests.support.gateway import GatewayHandle, sandbox_gateway


def _faults(gw: GatewayHandle, **faults: float) -> None:
    url = f"{gw.expertsender_url}/_sandbox/faults"
    gw.client.put(url, json={"drop_after_commit_rate": 0.0, **faults}).raise_for_status()


def _retry_past_the_breaker(gw: GatewayHandle, variables: dict[str, Any]) -> dict[str, Any]:
    """The client's retry; the failures above opened the circuit breaker, which refuses
    calls (sending nothing) until it probes the vendor again."""
    deadline = time.monotonic() + 30
    while True:
        answer = gw.post(WRITE_ORDER, variables)
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
