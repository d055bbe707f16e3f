"""Subscriptions end to end: real clients of all three protocols against the sandbox gateway.

An order is created on the Engage emulator through ``writeOrder``; each client follows its job
through every state to COMPLETED with its versionTag, and then triggers an order action with
that versionTag. The emulator's jobs take two steps (Pending → Processing → final) of
``JOB_STEP_MS`` each, slow enough for a subscriber to see every state.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gql import gql

from adapters.model import LogSeverity, Vendor
from gateway.ids import NodeType, decode_id, encode_id
from gateway.jobs import JobTracker, TrackerStats
from tests.support.gateway import TEST_SANDBOX, GatewayHandle, sandbox_gateway
from tests.support.subscription_clients import (
    LEGACY_WS,
    PROTOCOLS,
    SSE,
    TRANSPORT_WS,
    Result,
    collect,
    on_gateway_loop,
    subscribe,
    ws_results,
    ws_session,
)

JOB_STEP_MS = 300
# For waits that end as soon as what they wait for happens: generous costs nothing then, and a
# loaded machine gets the time it needs.
PATIENCE_S = 60.0

JOB_PROGRESS = """
subscription Progress($id: ID!) {
  jobProgress(id: $id) { id state operation orderId versionTag finishedAt errors { code } }
}
"""
WRITE_ORDER = """
mutation Write($input: WriteOrderInput!) {
  writeOrder(input: $input) { job { id state } errors { code message field } }
}
"""
TRIGGER_ACTION = """
mutation Act($input: TriggerOrderActionInput!) {
  triggerOrderAction(input: $input) { job { id state operation } errors { code message } }
}
"""
ORDER_VERSION = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { versionTag } }"
LOG_TAIL = """
subscription Tail($filter: IntegrationLogFilter) {
  integrationLog(filter: $filter) { id severity code message orderId vendor jobId }
}
"""


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    sandbox = dataclasses.replace(TEST_SANDBOX, engage_job_delay_ms=JOB_STEP_MS)
    with sandbox_gateway(sandbox=sandbox) as handle:
        yield handle


def order_input(
    order_id: str, *, sku: str = "SKU-TSHIRT-M", email: str = "anna.berg@example.com"
) -> dict[str, Any]:
    return {
        "vendor": "ENGAGE",
        "mode": "ADD",
        "order": {
            "orderId": order_id,
            "createdAt": "2025-03-01T10:00:00+01:00",
            "status": "IN_PROGRESS",
            "currency": "SEK",
            "total": 199.0,
            "storeId": "WEB-SE",
            "contact": {"email": email},
            "lines": [{"sku": sku, "quantity": 1, "unitPrice": 199.0, "totalPrice": 199.0}],
        },
    }


def write_order(gw: GatewayHandle, order_id: str, **kwargs: Any) -> dict[str, Any]:
    result = gw.post(WRITE_ORDER, {"input": order_input(order_id, **kwargs)})
    payload = result["data"]["writeOrder"]
    assert payload["errors"] == [], payload
    job: dict[str, Any] = payload["job"]
    return job


def hold_engage_jobs(gw: GatewayHandle, held: bool) -> None:
    """Stop (or let go) every job at the Engage emulator, whatever its delay."""
    url = f"{gw.engage_url}/_sandbox/settings"
    httpx.put(url, json={"jobs_held": held}).raise_for_status()


def applied_actions(gw: GatewayHandle, order_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{gw.engage_url}/_sandbox/actions", params={"orderId": order_id})
    actions: list[dict[str, Any]] = response.json()["actions"]
    return actions


ORDER = ["PENDING", "RUNNING", "COMPLETED"]
NOBODY = "nobody@example.com"
ENDED_WITH_ERRORS = "JOB_COMPLETED_WITH_ERRORS"
# Log entries about how a vendor's answer was read, present under some answer variants only.
READING_NOTES = {"VERSION_TAG_READ_FROM_ORDER"}


def codes(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["code"] for entry in entries if entry["code"] not in READING_NOTES]


def progress(results: list[Result]) -> list[dict[str, Any]]:
    assert all("errors" not in result for result in results), results
    return [result["data"]["jobProgress"] for result in results]


def new_order_id() -> str:
    return f"sub-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_client_follows_a_write_to_completed_then_triggers_an_action(
    gw: GatewayHandle, protocol: str
) -> None:
    order_id = new_order_id()
    job = write_order(gw, order_id)
    assert job["state"] == "PENDING"

    jobs = progress(await collect(subscribe(gw, protocol, JOB_PROGRESS, {"id": job["id"]})))

    # The states in order, each at most once; whether PENDING or RUNNING shows depends on when
    # the first poll lands and on the vendor's words for a waiting job.
    states = [j["state"] for j in jobs]
    assert states[-1] == "COMPLETED" and states == sorted(set(states), key=ORDER.index)
    assert {j["id"] for j in jobs} == {job["id"]}
    assert all(j["orderId"] == order_id and j["operation"] == "CREATE" for j in jobs)
    final = jobs[-1]
    assert final["finishedAt"] is not None and final["errors"] == []
    stored = gw.post(ORDER_VERSION, {"id": order_id})["data"]["order"]
    assert final["versionTag"] and final["versionTag"] == stored["versionTag"]

    action = gw.post(
        TRIGGER_ACTION,
        {
            "input": {
                "vendor": "ENGAGE",
                "orderId": order_id,
                "action": "CONFIRM_ORDER",
                "versionTag": final["versionTag"],
            }
        },
    )["data"]["triggerOrderAction"]
    assert action["errors"] == []
    assert action["job"]["operation"] == "ACTION"
    action_jobs = progress(
        await collect(subscribe(gw, protocol, JOB_PROGRESS, {"id": action["job"]["id"]}))
    )
    assert action_jobs[-1]["state"] == "COMPLETED"
    # Engage may accept an action with a bare 202 and apply it afterwards (the documented
    # answer: the emulator applies it when its own job runs, two steps later).
    async with asyncio.timeout(PATIENCE_S):
        while not (applied := applied_actions(gw, order_id)):
            await asyncio.sleep(0.02)
    assert [(a["action"], a["versionTag"]) for a in applied] == [
        ("ConfirmOrder", final["versionTag"])
    ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_job_already_final_is_sent_once(gw: GatewayHandle, protocol: str) -> None:
    job = write_order(gw, new_order_id())
    first = progress(await collect(subscribe(gw, protocol, JOB_PROGRESS, {"id": job["id"]})))
    assert first[-1]["state"] == "COMPLETED"

    again = progress(await collect(subscribe(gw, protocol, JOB_PROGRESS, {"id": job["id"]})))

    assert again == [first[-1]]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("job_id", "code"),
    [
        ("not-a-global-id", "INVALID_ID"),
        (encode_id(NodeType.ORDER, Vendor.ENGAGE, "o-1"), "INVALID_ID"),
        (encode_id(NodeType.JOB, Vendor.ENGAGE, "no-such-job"), "JOB_NOT_FOUND"),
        (encode_id(NodeType.JOB, Vendor.EXPERTSENDER, "no-such-job"), "JOB_NOT_FOUND"),
    ],
)
async def test_an_unknown_or_malformed_id_is_a_clear_error(
    gw: GatewayHandle, protocol: str, job_id: str, code: str
) -> None:
    results = await collect(subscribe(gw, protocol, JOB_PROGRESS, {"id": job_id}))
    assert len(results) == 1
    [error] = results[0]["errors"]
    assert error["extensions"]["code"] == code
    assert job_id in error["message"] or code == "INVALID_ID"


async def tail_until(
    gw: GatewayHandle,
    log_filter: dict[str, Any],
    last_code: str | None,
    *,
    probe: dict[str, Any],
    protocol: str = TRANSPORT_WS,
) -> tuple[list[dict[str, Any]], Any]:
    """Start an integrationLog subscription and wait until it is live.

    Returns a task that collects entries up to the first with ``last_code`` (``None``: until
    the stream ends). The subscription is live once a PROBE entry (recorded with ``probe``'s
    fields) comes through it.
    """
    stream = subscribe(gw, protocol, LOG_TAIL, {"filter": log_filter})
    received: list[dict[str, Any]] = []
    probed = asyncio.Event()

    async def read() -> None:
        async for result in stream:
            assert "errors" not in result, result
            entry = result["data"]["integrationLog"]
            if entry["code"] == "PROBE":
                probed.set()
                continue
            received.append(entry)
            if entry["code"] == last_code:
                return

    reader = asyncio.create_task(read())
    services = gw.gateway.services

    async def record_probe() -> None:
        services.log.record(LogSeverity.INFO, "PROBE", "tail check", **probe)

    async with asyncio.timeout(PATIENCE_S):
        while not probed.is_set():
            on_gateway_loop(gw, record_probe())
            await asyncio.sleep(0.05)
    return received, reader


async def test_the_log_subscription_tails_new_entries(gw: GatewayHandle) -> None:
    order_id = new_order_id()
    received, reader = await tail_until(
        gw, {"orderId": order_id}, ENDED_WITH_ERRORS, probe={"order_id": order_id}
    )

    write_order(gw, order_id, email=NOBODY)
    await asyncio.wait_for(reader, PATIENCE_S)

    # Engage documents CompletedWithErrors for an unknown contact; the job says CONTACT_MISSING
    # (as a warning too where the vendor reports one).
    assert set(codes(received)) == {"CONTACT_MISSING", ENDED_WITH_ERRORS}
    assert codes(received)[-1] == ENDED_WITH_ERRORS
    warning = next(entry for entry in received if entry["code"] == "CONTACT_MISSING")
    assert warning["severity"] in {"WARNING", "ERROR"}
    assert warning["orderId"] == order_id and warning["vendor"] == "ENGAGE"
    assert warning["jobId"]


@pytest.mark.parametrize("id_kind", ["global", "raw"])
async def test_the_log_subscription_filters_by_job(gw: GatewayHandle, id_kind: str) -> None:
    # The job waits at the emulator until the tail is live, however long that takes.
    hold_engage_jobs(gw, True)
    try:
        job = write_order(gw, new_order_id(), email=NOBODY)
        global_id = decode_id(job["id"])
        wanted = job["id"] if id_kind == "global" else global_id.key
        received, reader = await tail_until(
            gw,
            {"jobId": wanted},
            ENDED_WITH_ERRORS,
            probe={"job_id": global_id.key, "vendor": Vendor.ENGAGE},
        )
        write_order(gw, new_order_id(), email=NOBODY)  # another job's entries must not show
    finally:
        hold_engage_jobs(gw, False)

    await asyncio.wait_for(reader, PATIENCE_S)

    assert set(codes(received)) == {"CONTACT_MISSING", ENDED_WITH_ERRORS}
    assert {entry["jobId"] for entry in received} == {job["id"]}


async def test_closing_the_tracker_and_log_completes_open_subscriptions() -> None:
    """What a graceful shutdown does first: every open stream ends with a proper completion."""
    slow = dataclasses.replace(TEST_SANDBOX, engage_job_delay_ms=20_000)
    with sandbox_gateway(sandbox=slow) as gw:
        job = write_order(gw, new_order_id())
        streams = [subscribe(gw, p, JOB_PROGRESS, {"id": job["id"]}) for p in PROTOCOLS]
        firsts = [await asyncio.wait_for(anext(stream), 10) for stream in streams]
        # Not final: PENDING, or RUNNING where Engage's word for a waiting job is not ours.
        assert all(progress([first])[0]["state"] in {"PENDING", "RUNNING"} for first in firsts)
        # Live before the log closes: a PROBE entry came through it.
        _, tail_reader = await tail_until(gw, {}, None, probe={}, protocol=SSE)
        services = gw.gateway.services
        tracker = services.jobs
        assert isinstance(tracker, JobTracker)
        assert on_gateway_loop(gw, _stats(tracker)).watchers == len(PROTOCOLS)

        on_gateway_loop(gw, services.jobs.aclose())
        on_gateway_loop(gw, services.log.aclose())

        rests = await asyncio.gather(*(collect(stream, 5) for stream in streams))
        assert all(
            rest == [] or progress(rest)[-1]["state"] in {"PENDING", "RUNNING"} for rest in rests
        )
        await asyncio.wait_for(tail_reader, PATIENCE_S)  # ends, and without an error
        assert on_gateway_loop(gw, _stats(tracker)) == TrackerStats(0, 0, 0)


async def _stats(tracker: JobTracker) -> TrackerStats:
    return tracker.stats()


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_websocket_messages_are_text_frames(gw: GatewayHandle, protocol: str) -> None:
    # gql refuses binary frames outright; a finished job's single update proves the point.
    job = write_order(gw, new_order_id())
    results = await collect(subscribe(gw, protocol, JOB_PROGRESS, {"id": job["id"]}))
    assert progress(results)[-1]["state"] == "COMPLETED"


CHANGE_STATUS = """
mutation Change($input: ChangeOrderStatusInput!) {
  changeOrderStatus(input: $input) { job { id state } errors { code message } }
}
"""
WATCH_ORDER = """
subscription Watch($id: ID!) { jobProgress(id: $id) { state order { status } } }
"""


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_each_event_reads_the_order_as_it_is_then(gw: GatewayHandle, protocol: str) -> None:
    order_id = new_order_id()
    created = write_order(gw, order_id)
    await collect(subscribe(gw, protocol, JOB_PROGRESS, {"id": created["id"]}))
    hold_engage_jobs(gw, True)
    try:
        change = {"vendor": "ENGAGE", "orderId": order_id, "status": "CANCELLED"}
        payload = gw.post(CHANGE_STATUS, {"input": change})["data"]["changeOrderStatus"]
        assert payload["errors"] == [], payload
        stream = subscribe(gw, protocol, WATCH_ORDER, {"id": payload["job"]["id"]})
        # While the vendor holds the job, an event reads the order before the change.
        first = await asyncio.wait_for(anext(stream), PATIENCE_S)
        assert first["data"]["jobProgress"]["state"] != "COMPLETED"
        assert first["data"]["jobProgress"]["order"]["status"] != "CANCELLED"
    finally:
        hold_engage_jobs(gw, False)
    rest = progress(await collect(stream, PATIENCE_S))
    # The last event reads the order again: not what an earlier event of the stream read.
    assert rest[-1]["state"] == "COMPLETED"
    assert rest[-1]["order"]["status"] == "CANCELLED"


ORDER_STATUS = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { status } }"


async def test_each_operation_on_one_connection_reads_anew(gw: GatewayHandle) -> None:
    # Queries over WebSocket: graphql-transport-ws only (the legacy protocol carries
    # subscriptions alone).
    protocol = TRANSPORT_WS
    order_id = new_order_id()
    created = write_order(gw, order_id)
    async with ws_session(gw, protocol) as session:
        await collect(ws_results(session, JOB_PROGRESS, {"id": created["id"]}), PATIENCE_S)
        before = await session.execute(gql(ORDER_STATUS), variable_values={"id": order_id})
        assert before["order"]["status"] != "CANCELLED"
        change = {"vendor": "ENGAGE", "orderId": order_id, "status": "CANCELLED"}
        payload = gw.post(CHANGE_STATUS, {"input": change})["data"]["changeOrderStatus"]
        assert payload["errors"] == [], payload
        done = await collect(
            ws_results(session, JOB_PROGRESS, {"id": payload["job"]["id"]}), PATIENCE_S
        )
        assert progress(done)[-1]["state"] == "COMPLETED"
        after = await session.execute(gql(ORDER_STATUS), variable_values={"id": order_id})
        assert after["order"]["status"] == "CANCELLED"
