"""Soak: 30% of write answers dropped after the write landed, over real loopback HTTP.

Every order must be stored exactly once at the emulator (counted from its request log: an
accepted or committed write per order id), and every client answer must be the truth: the write
done (``COMPLETED``/``COMPLETED_WITH_ERRORS``), ``WRITE_OUTCOME_UNKNOWN``, or ``CIRCUIT_OPEN``
for a write that was never sent and is not stored; never ``ORDER_ALREADY_EXISTS`` or ``FAILED``
for an order the same request stored. Five lost answers in a row open the vendor's circuit
breaker; whether that happens depends on the order in which concurrent calls finish (the
emulator drops answers by arrival, the breaker counts them by completion), so a loaded machine
sees it where an idle one may not.

Sizes (kept to well under a minute of wall time on a shared 2-core machine): ExpertSender 60
ADD and 60 ADD_OR_REPLACE writes, 12 at a time; Engage 16 ADD writes, all at once, with jobs
that take 12 s to land (longer than the 10 s the adapter once waited before creating again).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from gateway.settings import JobSettings
from tests.gateway.e2e.orders_support import JOB_FIELDS, JOB_QUERY, order_input, requests
from tests.support.gateway import GatewayHandle, sandbox_gateway

DROP_AFTER_COMMIT = 0.3
ES_ORDERS_PER_MODE = 60
ES_CONCURRENCY = 12
ENGAGE_ORDERS = 16
ENGAGE_JOB_DELAY_MS = 12_000
TRUTHFUL_DONE = {"COMPLETED", "COMPLETED_WITH_ERRORS"}
UNKNOWN = "WRITE_OUTCOME_UNKNOWN"
# Refused before anything was sent: true only for an order the vendor does not hold.
NOT_SENT = "CIRCUIT_OPEN"
# Only the job: the order read after a write could fail on its own under these faults.
WRITE_ORDER = f"""
mutation($input: WriteOrderInput!) {{
  writeOrder(input: $input) {{ job {{ {JOB_FIELDS} }} errors {{ code message field }} }}
}}
"""


def _faults(gw: GatewayHandle, vendor: Vendor, seed: int) -> None:
    url = gw.emulator_url(vendor)
    gw.client.post(f"{url}/_sandbox/requests/reset").raise_for_status()
    gw.client.put(
        f"{url}/_sandbox/faults",
        json={"drop_after_commit_rate": DROP_AFTER_COMMIT, "seed": seed},
    ).raise_for_status()


async def _write(
    client: httpx.AsyncClient, gw: GatewayHandle, vendor: Vendor, mode: str, order_id: str
) -> tuple[str, str]:
    """(order id, what the client was finally told): a final job state or an error code."""
    order = order_input(vendor, order_id)
    response = await client.post(
        gw.graphql_url,
        json={
            "query": WRITE_ORDER,
            "variables": {"input": {"vendor": vendor.value, "mode": mode, "order": order}},
        },
    )
    body: dict[str, Any] = response.json()
    payload = (body.get("data") or {}).get("writeOrder")
    if payload is None:
        return order_id, str(body["errors"][0].get("extensions", {}).get("code"))
    if payload["errors"]:
        return order_id, str(payload["errors"][0]["code"])
    job = payload["job"]
    while job["state"] not in {"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"}:
        await asyncio.sleep(0.2)
        polled = await client.post(
            gw.graphql_url, json={"query": JOB_QUERY, "variables": {"id": job["id"]}}
        )
        job = polled.json()["data"]["job"]
    if job["state"] == "FAILED":
        return order_id, "FAILED:" + ",".join(e["code"] for e in job["errors"])
    return order_id, str(job["state"])


async def _write_all(
    gw: GatewayHandle, vendor: Vendor, mode: str, order_ids: list[str], concurrency: int
) -> dict[str, str]:
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=120.0) as client:

        async def one(order_id: str) -> tuple[str, str]:
            async with gate:
                return await _write(client, gw, vendor, mode, order_id)

        return dict(await asyncio.gather(*(one(order_id) for order_id in order_ids)))


def _stored_writes(gw: GatewayHandle, vendor: Vendor, route: str) -> Counter[str]:
    """Writes per order id that the emulator accepted or committed (an answer lost after
    commit still stored the write)."""
    log = requests(gw, vendor)["log"]
    return Counter(
        str(entry["order_id"])
        for entry in log
        if entry["method"] == "POST"
        and entry["route"] == route
        and (entry.get("fault") == "drop_after_commit" or (entry["status"] or 0) // 100 == 2)
    )


def _assert_truthful(answers: dict[str, str], stored: Counter[str]) -> None:
    print(f"answers: {sorted(Counter(answers.values()).items())}")
    lies = {
        oid: answer
        for oid, answer in answers.items()
        if answer not in TRUTHFUL_DONE | {UNKNOWN, NOT_SENT} or (answer == NOT_SENT and stored[oid])
    }
    assert not lies, f"{len(lies)} untruthful answers: {sorted(Counter(lies.values()).items())}"


@pytest.mark.parametrize("mode", ["ADD", "ADD_OR_REPLACE"])
async def test_expertsender_writes_land_once_and_are_reported_truthfully(mode: str) -> None:
    with sandbox_gateway() as gw:
        _faults(gw, Vendor.EXPERTSENDER, seed=11)
        ids = [f"SOAK-{mode}-{uuid.uuid4().hex[:10]}" for _ in range(ES_ORDERS_PER_MODE)]
        answers = await _write_all(gw, Vendor.EXPERTSENDER, mode, ids, ES_CONCURRENCY)
        stored = _stored_writes(gw, Vendor.EXPERTSENDER, "/orders")
        lost = [e for e in requests(gw, Vendor.EXPERTSENDER)["log"] if e.get("fault")]
    assert lost, "the emulator dropped no answer: the soak proves nothing"
    print(
        f"{len(answers)} writes, {len(lost)} vendor answers (writes and reads) dropped after commit"
    )
    _assert_truthful(answers, stored)
    twice = {oid: n for oid, n in stored.items() if oid in answers and n != 1}
    assert not twice, f"{len(twice)} orders written more than once"
    assert set(stored) >= {oid for oid, answer in answers.items() if answer in TRUTHFUL_DONE}


async def test_engage_slow_creates_land_once_and_are_reported_truthfully() -> None:
    jobs = JobSettings(poll_delays=(0.2, 0.5, 1.0), poll_jitter=0.0, timeout_s=60.0)
    with sandbox_gateway(jobs=jobs) as gw:
        gw.client.put(
            f"{gw.engage_url}/_sandbox/settings", json={"job_delay_ms": ENGAGE_JOB_DELAY_MS}
        ).raise_for_status()
        _faults(gw, Vendor.ENGAGE, seed=7)
        ids = [f"SOAK-ENG-{uuid.uuid4().hex[:10]}" for _ in range(ENGAGE_ORDERS)]
        answers = await _write_all(gw, Vendor.ENGAGE, "ADD", ids, ENGAGE_ORDERS)
        stored = _stored_writes(gw, Vendor.ENGAGE, "/api/v3/orders")
        lost = [e for e in requests(gw, Vendor.ENGAGE)["log"] if e.get("fault")]
    assert lost, "the emulator dropped no answer: the soak proves nothing"
    print(
        f"{len(answers)} writes, {len(lost)} vendor answers (writes and reads) dropped after commit"
    )
    _assert_truthful(answers, stored)
    twice = {oid: n for oid, n in stored.items() if oid in answers and n != 1}
    assert not twice, f"{len(twice)} orders POSTed and accepted more than once"
