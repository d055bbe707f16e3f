"""The process-wide services wired together over the real Engage adapter and emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from adapters.engage import EngageBackend, EngageSettings
from adapters.model import (
    ContactRef,
    JobState,
    LogEntry,
    LogSeverity,
    Order,
    OrderLine,
    Vendor,
    WriteMode,
)
from gateway.jobs import PollSchedule
from gateway.log import LogFilter
from gateway.services import VendorStatus, build_services
from sandbox.engage.app import create_app as engage_app
from sandbox.engage.settings import DEFAULT_API_KEY, EngageSandboxSettings
from tests.support.servers import LoopbackServer, serve


@pytest.fixture
def engage() -> Iterator[LoopbackServer]:
    with serve(engage_app(EngageSandboxSettings(job_delay_ms=400))) as server:
        yield server


async def test_failed_job_polls_reach_the_integration_log(engage: LoopbackServer) -> None:
    backend = EngageBackend(
        EngageSettings(
            base_url=engage.url, api_key=DEFAULT_API_KEY, max_attempts=1, breaker_reset_s=0.2
        )
    )
    services = build_services(
        {Vendor.ENGAGE: backend},
        {Vendor.ENGAGE: VendorStatus(configured=True, sandbox=True)},
        poll_schedule=PollSchedule.of((0.05,), jitter=0.0),
        job_timeout_s=30,
    )
    order = Order(
        order_id="POLL-FAIL-1",
        created_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        contact=ContactRef(email="anna.berg@example.com"),
        lines=(OrderLine(sku="SKU-BAG", quantity=1, total_price=199.0),),
        currency="SEK",
        total=199.0,
        store_id="WEB-SE",
    )
    try:
        job = await services.jobs.track(await backend.write_order(order, WriteMode.ADD))
        # The vendor goes down while the job is processed: every poll fails until it is back.
        httpx.put(f"{engage.url}/_sandbox/faults", json={"error_rate": 1.0}).raise_for_status()
        # A failed poll must be logged: wait for the first (a busy machine polls late).
        polls: list[LogEntry] = []
        async with asyncio.timeout(30):
            while not polls:
                await asyncio.sleep(0.02)
                failures = await services.log.query(LogFilter(order_id="POLL-FAIL-1"), 50, None)
                polls = [e for e in failures.entries if e.code == "JOB_POLL_FAILED"]
        assert all(e.severity is LogSeverity.WARNING for e in polls)
        first = polls[-1]  # the log lists newest first
        assert first.details["upstreamStatus"] == 503
        assert first.job_id == job.job_id

        httpx.put(f"{engage.url}/_sandbox/faults", json={"error_rate": 0.0}).raise_for_status()
        async with asyncio.timeout(30):
            async for state in services.jobs.watch(Vendor.ENGAGE, job.job_id):
                last = state
        assert last.state is JobState.COMPLETED
    finally:
        await services.aclose()
