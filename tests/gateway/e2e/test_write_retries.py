"""Retries of writes whose answer was lost or unreadable, above all Engage changes that carry an
order action.

An action leaves nothing on the order a read could see, and a status change to the status the
order already has shows nothing either, except the new version Engage makes for it. So the
retry (same mutation, same idempotency key) must neither take the unchanged status for its own
landed write (and lose the action) nor send the action a second time.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from adapters.model import Vendor
from sandbox.engage.settings import DEFAULT_API_KEY
from tests.gateway.e2e.orders_support import (
    JOB_FIELDS,
    WRITE_ORDER,
    order_input,
    requests,
    wait_for_job,
    write_order,
)
from tests.gateway.e2e.test_shared_state import second_gateway, shared_settings
from tests.support.gateway import TEST_CLIENTS, TEST_JOBS, GatewayHandle, sandbox_gateway
from tests.support.observe import until_sync
from tests.support.redis import RedisServer

CHANGE_ORDER_STATUS = f"""
mutation($input: ChangeOrderStatusInput!) {{
  changeOrderStatus(input: $input) {{ job {{ {JOB_FIELDS} }} errors {{ code message field }} }}
}}
"""
DELETE_ORDER = f"""
mutation($input: DeleteOrderInput!) {{
  deleteOrder(input: $input) {{ job {{ {JOB_FIELDS} }} errors {{ code message field }} }}
}}
"""
ORDER_QUERY = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId } }"
TRIGGER_ORDER_ACTION = f"""
mutation($input: TriggerOrderActionInput!) {{
  triggerOrderAction(input: $input) {{ job {{ {JOB_FIELDS} }} errors {{ code message field }} }}
}}
"""


@pytest.fixture
def gw() -> Iterator[GatewayHandle]:
    # A short job timeout: the gateway looks for a lost write that long before it gives up.
    with sandbox_gateway(jobs=dataclasses.replace(TEST_JOBS, timeout_s=1.5)) as handle:
        yield handle


def _faults(gw: GatewayHandle, **faults: Any) -> None:
    changes = {
        "drop_rate": 0.0,
        "drop_after_commit_rate": 0.0,
        "error_rate": 0.0,
        "garble_rate": 0.0,
        **faults,
    }
    gw.client.put(f"{gw.engage_url}/_sandbox/faults", json=changes).raise_for_status()


def _hold_jobs(gw: GatewayHandle, held: bool) -> None:
    answer = gw.client.put(f"{gw.engage_url}/_sandbox/settings", json={"jobs_held": held})
    answer.raise_for_status()


def _actions(gw: GatewayHandle, order_id: str) -> list[dict[str, Any]]:
    answer = gw.client.get(f"{gw.engage_url}/_sandbox/actions", params={"orderId": order_id})
    answer.raise_for_status()
    actions: list[dict[str, Any]] = answer.json()["actions"]
    return actions


def _settled_actions(gw: GatewayHandle, order_id: str) -> list[dict[str, Any]]:
    """The order's actions once Engage's jobs ran: the first to show, then any straggler
    (each emulator job takes a few job delays)."""
    deadline = time.monotonic() + 30
    while not _actions(gw, order_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    return _actions(gw, order_id)


def _sent(gw: GatewayHandle, path: str) -> list[dict[str, Any]]:
    """The POSTs to ``path`` the emulator handled (answered, or answered and then dropped)."""
    return [
        e
        for e in requests(gw, Vendor.ENGAGE)["log"]
        if e["method"] == "POST" and e["path"] == path and e.get("fault") != "drop"
    ]


def _created(gw: GatewayHandle, status: str = "IN_PROGRESS") -> str:
    order_id = f"RETRY-{uuid.uuid4().hex[:10]}"
    order = order_input(Vendor.ENGAGE, order_id, status=status)
    created = write_order(gw, Vendor.ENGAGE, "ADD", order)
    assert wait_for_job(gw, created["job"]["id"])["state"] == "COMPLETED"
    return order_id


def _retry(gw: GatewayHandle, mutation: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The client's retry; lost answers may have opened the circuit breaker, which refuses
    calls (sending nothing) until it probes the vendor again."""
    deadline = time.monotonic() + 30
    while True:
        answer: dict[str, Any] = gw.post(mutation, variables)
        codes = [e["extensions"]["code"] for e in answer.get("errors") or ()]
        if "CIRCUIT_OPEN" not in codes or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def _slot_taken(gw: GatewayHandle) -> bool:
    """Whether a client's one vendor-call slot is held (every test request is one client)."""
    shares = gw.gateway.shares
    assert shares is not None
    return any(slot.locked() for slot in shares._slots.values())


def _codes(answer: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in answer.get("errors") or ()]


def _cancel_with_action(
    order_id: str, status: str = "IN_PROGRESS", action: str = "CONFIRM_SHIPMENT"
) -> dict[str, Any]:
    return {
        "input": {
            "vendor": "ENGAGE",
            "orderId": order_id,
            # The order already has this status: only the action changes anything.
            "status": status,
            "orderAction": {"action": action},
            "idempotencyKey": f"key-{order_id}",
        }
    }


@pytest.mark.parametrize(
    ("status", "action", "vendor_action"),
    [
        ("IN_PROGRESS", "CONFIRM_SHIPMENT", "ConfirmShipment"),
        ("CANCELLED", "CONFIRM_CANCELLATION", "ConfirmCancellation"),
    ],
    ids=["shipment", "cancellation"],
)
def test_a_status_change_that_never_landed_is_not_taken_for_the_status_already_there(
    gw: GatewayHandle, status: str, action: str, vendor_action: str
) -> None:
    order_id = _created(gw, status)
    variables = _cancel_with_action(order_id, status, action)
    # The change-status request is dropped before Engage handles it: nothing lands.
    _faults(gw, drop_rate=1.0, methods=["POST"])
    first = gw.post(CHANGE_ORDER_STATUS, variables)
    _faults(gw)
    retry = _retry(gw, CHANGE_ORDER_STATUS, variables)
    assert _codes(first) == ["WRITE_OUTCOME_UNKNOWN"], first
    payload = retry["data"]["changeOrderStatus"]
    assert payload["errors"] == []
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    assert [a["action"] for a in _actions(gw, order_id)] == [vendor_action]
    assert len(_sent(gw, f"/api/v3/orders/{order_id}/change-status")) == 1


def test_a_status_change_that_landed_late_is_recognised_by_its_new_version_not_sent_again(
    gw: GatewayHandle,
) -> None:
    order_id = _created(gw)
    variables = _cancel_with_action(order_id)
    # Engage accepts the change, its answer is lost, and its job runs only after the gateway
    # stopped looking.
    _hold_jobs(gw, True)
    _faults(gw, drop_after_commit_rate=1.0, methods=["POST"])
    first = gw.post(CHANGE_ORDER_STATUS, variables)
    _faults(gw)
    _hold_jobs(gw, False)
    assert _settled_actions(gw, order_id)
    retry = _retry(gw, CHANGE_ORDER_STATUS, variables)
    assert _codes(first) == ["WRITE_OUTCOME_UNKNOWN"], first
    payload = retry["data"]["changeOrderStatus"]
    assert payload["errors"] == []
    assert payload["job"]["state"] == "COMPLETED"
    assert [a["action"] for a in _actions(gw, order_id)] == ["ConfirmShipment"]
    assert len(_sent(gw, f"/api/v3/orders/{order_id}/change-status")) == 1


@pytest.mark.parametrize("mode", ["REPLACE", "ADD_OR_REPLACE"])
def test_a_replacement_with_an_action_that_never_landed_is_not_taken_for_the_same_order(
    gw: GatewayHandle, mode: str
) -> None:
    order_id = _created(gw)
    # The order as it is stored, sent again for the sake of its action.
    variables = {
        "input": {
            "vendor": "ENGAGE",
            "mode": mode,
            "order": order_input(Vendor.ENGAGE, order_id),
            "orderAction": {"action": "CONFIRM_COMPLETION"},
            "idempotencyKey": f"key-{order_id}",
        }
    }
    _faults(gw, drop_rate=1.0, methods=["PUT"])
    first = gw.post(WRITE_ORDER, variables)
    _faults(gw)
    retry = _retry(gw, WRITE_ORDER, variables)
    assert _codes(first) == ["WRITE_OUTCOME_UNKNOWN"], first
    payload = retry["data"]["writeOrder"]
    assert payload["errors"] == [], payload
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    assert [e["action"] for e in _settled_actions(gw, order_id)] == ["ConfirmCompletion"]
    puts = [
        e
        for e in requests(gw, Vendor.ENGAGE)["log"]
        if e["method"] == "PUT" and e["path"] == f"/api/v3/orders/{order_id}"
    ]
    assert [e.get("fault") for e in puts] == ["drop", None]


def test_a_change_engage_accepted_with_an_unreadable_answer_is_looked_for_not_sent_again(
    gw: GatewayHandle,
) -> None:
    order_id = _created(gw)
    variables = _cancel_with_action(order_id)
    # Engage takes the change and answers 202, with a body that is no job (a proxy's page).
    _faults(gw, garble_rate=1.0, methods=["POST"])
    first = gw.post(CHANGE_ORDER_STATUS, variables)
    _faults(gw)
    retry = _retry(gw, CHANGE_ORDER_STATUS, variables)
    for answer in (first, retry):
        payload = answer["data"]["changeOrderStatus"]
        assert payload["errors"] == [], answer
        assert payload["job"]["state"] == "COMPLETED"
        assert "WRITE_CONFIRMED_BY_READ" in {w["code"] for w in payload["job"]["warnings"]}
    assert [e["action"] for e in _settled_actions(gw, order_id)] == ["ConfirmShipment"]
    assert len(_sent(gw, f"/api/v3/orders/{order_id}/change-status")) == 1


def test_the_retry_on_another_process_compares_with_the_version_the_first_attempt_read(
    redis_server: RedisServer,
) -> None:
    if not redis_server.running:
        redis_server.start()
    jobs = dataclasses.replace(TEST_JOBS, timeout_s=1.5)
    with (
        sandbox_gateway(**shared_settings(redis_server), jobs=jobs) as a,
        second_gateway(a) as b,
    ):
        order_id = _created(a)
        variables = _cancel_with_action(order_id)
        _faults(a, drop_rate=1.0, methods=["POST"])
        first = a.post(CHANGE_ORDER_STATUS, variables)
        _faults(a)
        # Through Redis, b knows the version a read before it sent: unchanged, so not landed.
        retry = _retry(b, CHANGE_ORDER_STATUS, variables)
        assert _codes(first) == ["WRITE_OUTCOME_UNKNOWN"], first
        payload = retry["data"]["changeOrderStatus"]
        assert payload["errors"] == [], payload
        assert wait_for_job(b, payload["job"]["id"])["state"] == "COMPLETED"
        assert [e["action"] for e in _actions(a, order_id)] == ["ConfirmShipment"]
        assert len(_sent(a, f"/api/v3/orders/{order_id}/change-status")) == 1


def _action(order_id: str) -> dict[str, Any]:
    return {
        "input": {
            "vendor": "ENGAGE",
            "orderId": order_id,
            "action": "CONFIRM_DELIVERY",
            "idempotencyKey": f"key-{order_id}",
        }
    }


def test_the_retry_of_an_action_whose_answer_was_lost_does_not_fire_it_again(
    gw: GatewayHandle,
) -> None:
    order_id = _created(gw)
    variables = _action(order_id)
    _faults(gw, drop_after_commit_rate=1.0, methods=["POST"])
    first = gw.post(TRIGGER_ORDER_ACTION, variables)
    _faults(gw)
    retry = _retry(gw, TRIGGER_ORDER_ACTION, variables)
    assert _codes(first) == ["WRITE_OUTCOME_UNKNOWN"]
    # Nothing on the order tells whether the action ran: the retry says so instead of guessing.
    assert _codes(retry) == ["WRITE_OUTCOME_UNKNOWN"], retry
    assert "new idempotencyKey" in retry["errors"][0]["message"]
    assert [a["action"] for a in _settled_actions(gw, order_id)] == ["ConfirmDelivery"]
    assert len(_sent(gw, f"/api/v3/orders/{order_id}/action")) == 1


def test_the_retry_of_an_action_the_vendor_refused_to_take_sends_it(gw: GatewayHandle) -> None:
    order_id = _created(gw)
    variables = _action(order_id)
    # Engage answers 503: it did not take the action, so the retry sends it.
    _faults(gw, error_rate=1.0, methods=["POST"])
    first = gw.post(TRIGGER_ORDER_ACTION, variables)
    _faults(gw)
    retry = _retry(gw, TRIGGER_ORDER_ACTION, variables)
    assert _codes(first) and "WRITE_OUTCOME_UNKNOWN" not in _codes(first), first
    payload = retry["data"]["triggerOrderAction"]
    assert payload["errors"] == [], payload
    assert [a["action"] for a in _settled_actions(gw, order_id)] == ["ConfirmDelivery"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_expertsender_writes_answered_with_garbage_are_done_once(
    gw: GatewayHandle, method: str
) -> None:
    # ExpertSender answers its writes synchronously: the status is the outcome, the body is
    # never needed, so garbage after a 2xx changes nothing.
    order_id = f"RETRY-{uuid.uuid4().hex[:10]}"
    order = order_input(Vendor.EXPERTSENDER, order_id)
    faults = {"garble_rate": 1.0, "methods": [method]}
    url = f"{gw.expertsender_url}/_sandbox/faults"
    if method != "POST":
        assert write_order(gw, Vendor.EXPERTSENDER, "ADD", order)["errors"] == []
    gw.client.put(url, json=faults).raise_for_status()
    if method == "POST":
        payload = write_order(gw, Vendor.EXPERTSENDER, "ADD", order)
    elif method == "PUT":
        variables = {"input": {"vendor": "EXPERTSENDER", "orderId": order_id, "status": "PAID"}}
        payload = gw.post(CHANGE_ORDER_STATUS, variables)["data"]["changeOrderStatus"]
    else:
        variables = {"input": {"vendor": "EXPERTSENDER", "orderId": order_id}}
        payload = gw.post(DELETE_ORDER, variables)["data"]["deleteOrder"]
    gw.client.put(url, json={"garble_rate": 0.0, "methods": []}).raise_for_status()
    assert payload["errors"] == [] and payload["job"]["state"] == "COMPLETED", payload
    sent = [
        e
        for e in requests(gw, Vendor.EXPERTSENDER)["log"]
        if e["method"] == method and e.get("fault") == "garble"
    ]
    assert len(sent) == 1


def test_deleting_an_order_engage_never_had_is_not_reported_done_when_the_answer_is_lost(
    gw: GatewayHandle,
) -> None:
    order_id = f"NEVER-{uuid.uuid4().hex[:10]}"
    variables = {"input": {"vendor": "ENGAGE", "orderId": order_id, "idempotencyKey": order_id}}
    _faults(gw, drop_rate=1.0, methods=["DELETE"])
    first = gw.post(DELETE_ORDER, variables)
    _faults(gw)
    retry = _retry(gw, DELETE_ORDER, variables)
    for answer in (first, retry):
        payload = answer["data"]["deleteOrder"]
        assert payload["job"] is None, answer
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [
            ("ORDER_NOT_FOUND", ["input", "orderId"])
        ]


def test_a_delete_whose_answer_was_lost_is_recognised_by_the_retry(gw: GatewayHandle) -> None:
    order_id = _created(gw)
    variables = {"input": {"vendor": "ENGAGE", "orderId": order_id, "idempotencyKey": order_id}}
    # Engage takes the delete; its answer is lost and its job runs after the gateway looked.
    _hold_jobs(gw, True)
    _faults(gw, drop_after_commit_rate=1.0, methods=["DELETE"])
    first = gw.post(DELETE_ORDER, variables)
    _faults(gw)
    _hold_jobs(gw, False)
    deadline = time.monotonic() + 30
    url = f"{gw.engage_url}/api/v3/orders/{order_id}"
    headers = {
        "apikey": DEFAULT_API_KEY,
        "User-Agent": "tests/1.0",
        "Content-Type": "application/json",
    }
    while gw.client.get(url, headers=headers).status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    retry = _retry(gw, DELETE_ORDER, variables)
    assert _codes(first) == ["WRITE_OUTCOME_UNKNOWN"], first
    payload = retry["data"]["deleteOrder"]
    assert payload["errors"] == [] and payload["job"]["state"] == "COMPLETED", payload
    deletes = [e for e in requests(gw, Vendor.ENGAGE)["log"] if e["method"] == "DELETE"]
    assert len(deletes) == 1


def test_the_retry_of_an_action_refused_before_it_was_sent_sends_it() -> None:
    # One vendor call in flight per client, waited for no longer than 0.3 s: a slow read holds
    # the slot, and the action is refused (RATE_LIMITED) before it reaches Engage.
    clients = dataclasses.replace(TEST_CLIENTS, vendor_concurrency=1)
    jobs = dataclasses.replace(TEST_JOBS, timeout_s=1.5)
    with sandbox_gateway(clients=clients, jobs=jobs, vendor_queue_s=0.3) as gw:
        order_id = _created(gw)
        variables = _action(order_id)
        _faults(gw, latency_ms=4000)
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(gw.post, ORDER_QUERY, {"id": f"SLOW-{order_id}"})
            # A busy machine may take a while to give the read its slot: wait until it has.
            until_sync(lambda: _slot_taken(gw), "the slow read holding the client's slot")
            first = gw.post(TRIGGER_ORDER_ACTION, variables)
            slow.result()
        _faults(gw, latency_ms=0)
        retry = gw.post(TRIGGER_ORDER_ACTION, variables)
        assert _codes(first) == ["RATE_LIMITED"], first
        payload = retry["data"]["triggerOrderAction"]
        assert payload["errors"] == [], retry
        assert [e["action"] for e in _settled_actions(gw, order_id)] == ["ConfirmDelivery"]
