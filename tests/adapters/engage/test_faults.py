"""Vendor faults injected by the Engage emulator (`/_sandbox/faults`), judged from the
emulator's side (`/_sandbox/requests`): nothing written twice, nothing accepted lost."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.engage import EngageBackend
from adapters.engage.mapping import held_by_engage
from adapters.errors import (
    CircuitOpen,
    RateLimited,
    UpstreamError,
    UpstreamTimeout,
    VendorUnavailable,
    WriteOutcomeUnknown,
)
from adapters.model import JobState, OrderStatus, WriteMode
from adapters.transport import BreakerState, TransportEvent, TransportEventKind
from sandbox.engage.app import create_app
from sandbox.engage.settings import EngageSandboxSettings
from tests.adapters.engage.conftest import ACCEPTED, Sandbox, fast_settings, finish
from tests.adapters.engage.samples import full_order
from tests.support.proxy import VendorRoute
from tests.support.servers import LoopbackServer, serve
from tests.support.variants import run_variants

# Each test runs straight to the emulator and through a forward proxy (``tests.support.proxy``).
pytestmark = pytest.mark.usefixtures("vendor_route")


async def test_429_bursts_are_retried_after_retry_after(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    await sandbox.faults(rate_limit_rate=0.3, retry_after_s=0, seed=3)
    backend = EngageBackend(fast_settings(engage_server.url, max_attempts=6))
    try:
        for _ in range(25):
            (order,) = await backend.get_orders(["ENG-1001"])
            assert order is not None
    finally:
        await backend.aclose()
    refused = [e for e in await sandbox.log() if e["status"] == 429]
    assert refused, "the fault never fired"
    assert backend.transport.stats.rate_limited == len(refused)
    assert backend.transport.stats.gave_up == 0


async def test_client_limiter_keeps_bursts_under_the_vendors_limit(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    await sandbox.settings(rate_limit_per_second=20)
    ids = [f"ENG-M{n:03d}" for n in range(1, 31)]
    # Without our limiter a burst of 30 overruns the vendor's 20/s ...
    unlimited = EngageBackend(fast_settings(engage_server.url, max_attempts=1))
    try:
        with pytest.raises(RateLimited) as caught:
            await unlimited.get_orders(ids)
        assert caught.value.upstream_status == 429
    finally:
        await unlimited.aclose()
    await asyncio.sleep(1.1)  # let the vendor's window clear
    await sandbox.reset_requests()
    # ... with it, the same burst is paced and never refused.
    limited = EngageBackend(fast_settings(engage_server.url, rate_per_second=15, max_attempts=1))
    try:
        started = time.monotonic()
        orders = await limited.get_orders(ids)
        assert time.monotonic() - started >= 1.5
    finally:
        await limited.aclose()
    assert all(order is not None for order in orders)
    assert [e for e in await sandbox.log() if e["status"] == 429] == []


async def test_503s_are_retried_and_every_create_lands_once(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    await sandbox.faults(error_rate=0.3, seed=5)
    backend = EngageBackend(fast_settings(engage_server.url, max_attempts=8))
    written = [full_order(f"F-503-{n}") for n in range(8)]
    try:
        for order in written:
            done = await finish(backend, await backend.write_order(order, WriteMode.ADD))
            assert done.state is JobState.COMPLETED
        await sandbox.clear_faults()
        stored = await backend.get_orders([o.order_id for o in written])
    finally:
        await backend.aclose()
    assert [held_by_engage(s) for s in stored if s] == [held_by_engage(o) for o in written]
    for order in written:
        assert await sandbox.handled_creates(order.order_id) == 1
    assert any(e["status"] == 503 for e in await sandbox.log())


async def test_read_timeouts_are_retried_then_typed(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    await sandbox.faults(latency_ms=400)
    backend = EngageBackend(fast_settings(engage_server.url, timeout_s=0.15, max_attempts=2))
    try:
        with pytest.raises(UpstreamTimeout) as caught:
            await backend.get_orders(["ENG-1001"])
    finally:
        await backend.aclose()
    assert caught.value.vendor is not None
    # The vendor logs each read once it has finished with it, abandoned or not.
    async with asyncio.timeout(30):
        while len(await sandbox.log("GET", "/api/v3/orders/{orderId}")) < 2:
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.5)  # room for a third read to show, if one were sent
    assert len(await sandbox.log("GET", "/api/v3/orders/{orderId}")) == 2


async def test_a_timed_out_create_is_never_resent_blind(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    await sandbox.faults(latency_ms=400)
    backend = EngageBackend(
        fast_settings(engage_server.url, timeout_s=0.15, max_attempts=2, landing_wait_s=0.3)
    )
    try:
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await backend.write_order(full_order("F-TMO-1"), WriteMode.ADD)
        assert "may have landed" in caught.value.message
        # The checking reads timed out too, so the adapter did not guess: one POST, no resend.
        assert len(await sandbox.log("POST", "/api/v3/orders")) == 1
        await sandbox.clear_faults()
        await asyncio.sleep(0.5)  # the vendor is done with whatever it received
        # The caller's own retry is safe: the vendor holds the order at most once.
        job = await backend.write_order(full_order("F-TMO-1"), WriteMode.ADD_OR_REPLACE)
        await finish(backend, job)
        assert await backend.get_order("F-TMO-1") is not None
    finally:
        await backend.aclose()
    assert await sandbox.handled_creates("F-TMO-1") <= 1


async def test_dropped_connections_lose_nothing_and_duplicate_nothing(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    await sandbox.faults(drop_rate=0.3, seed=7)
    backend = EngageBackend(fast_settings(engage_server.url, max_attempts=8, landing_wait_s=0.3))
    written = [full_order(f"F-DROP-{n}") for n in range(8)]
    try:
        for order in written:
            await finish(backend, await backend.write_order(order, WriteMode.ADD))
        await sandbox.clear_faults()
        stored = await backend.get_orders([o.order_id for o in written])
    finally:
        await backend.aclose()
    assert all(stored)
    for order in written:
        assert await sandbox.handled_creates(order.order_id) == 1
    assert any(e.get("fault") == "drop" for e in await sandbox.log())


async def test_drop_after_commit_is_confirmed_by_reading_not_by_resending(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    await sandbox.faults(drop_after_commit_rate=0.3, seed=11)
    backend = EngageBackend(fast_settings(engage_server.url, max_attempts=8, landing_wait_s=2))
    written = [full_order(f"F-DAC-{n}") for n in range(16)]
    replaced = [
        full_order(o.order_id, channel="Store", status=OrderStatus.COMPLETED) for o in written
    ]
    jobs = []
    try:
        for order, replacement in zip(written, replaced, strict=True):
            jobs.append(await finish(backend, await backend.write_order(order, WriteMode.ADD)))
            jobs.append(
                await finish(backend, await backend.write_order(replacement, WriteMode.REPLACE))
            )
        await sandbox.clear_faults()
        stored = await backend.get_orders([o.order_id for o in written])
    finally:
        await backend.aclose()
    assert [held_by_engage(s) for s in stored if s] == [held_by_engage(o) for o in replaced]
    assert all(job.state is JobState.COMPLETED for job in jobs)
    confirmed = [j for j in jobs if "WRITE_CONFIRMED_BY_READ" in {w.code for w in j.warnings}]
    assert confirmed, "no write lost its answer: the fault never fired on a write"
    log = await sandbox.log()
    for order in written:
        handled = [
            (e["method"], e.get("fault"))
            for e in log
            if e["order_id"] == order.order_id
            and e["status"] in ACCEPTED
            and e["method"] in ("POST", "PUT")
        ]
        assert sorted(m for m, _ in handled) == ["POST", "PUT"], handled
    assert [e for e in log if e["status"] == 409] == []


# Long enough that the breaker stays open through the checks above on a busy machine (they
# include calls to the emulator's log): a shorter one could let a probe through among them.
BREAKER_RESET_S = 2.0


def _count(events: list[TransportEvent], kind: TransportEventKind) -> int:
    return sum(1 for event in events if event.kind is kind)


async def test_vendor_down_opens_the_breaker_fails_fast_and_recovers(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    events: list[TransportEvent] = []
    backend = EngageBackend(
        fast_settings(
            engage_server.url,
            max_attempts=2,
            breaker_failure_threshold=3,
            breaker_reset_s=BREAKER_RESET_S,
        ),
        on_event=events.append,
    )
    try:
        await sandbox.faults(error_rate=1.0)
        with pytest.raises(VendorUnavailable) as down:
            await backend.get_orders(["ENG-1001"])
        assert down.value.upstream_status == 503
        with pytest.raises(CircuitOpen):
            await backend.get_orders(["ENG-1001"])
        reached = (await sandbox.requests())["total"]
        failed_fast = _count(events, TransportEventKind.FAILED_FAST)
        for _ in range(5):
            with pytest.raises(CircuitOpen):
                await backend.get_orders(["ENG-1001"])
        # Each refused by the open breaker itself, and none reached the vendor.
        assert _count(events, TransportEventKind.FAILED_FAST) == failed_fast + 5
        assert (await sandbox.requests())["total"] == reached  # failing fast reached nobody
        await sandbox.clear_faults()
        await asyncio.sleep(BREAKER_RESET_S + 0.05)
        (order,) = await backend.get_orders(["ENG-1001"])
        assert order is not None
        assert backend.transport.breaker.state is BreakerState.CLOSED
    finally:
        await backend.aclose()
    kinds = [e.kind for e in events]
    for kind in (
        TransportEventKind.BREAKER_OPENED,
        TransportEventKind.FAILED_FAST,
        TransportEventKind.BREAKER_HALF_OPEN,
        TransportEventKind.BREAKER_CLOSED,
    ):
        assert kind in kinds


async def test_unreachable_vendor_write_is_retried_because_nothing_was_sent(
    vendor_route: VendorRoute,
) -> None:
    with serve(
        create_app(EngageSandboxSettings(job_delay_ms=10, variants=run_variants()))
    ) as server:
        url = server.url
    backend = EngageBackend(fast_settings(url, max_attempts=3))
    try:
        with pytest.raises(UpstreamError) as caught:
            await backend.write_order(full_order("F-DOWN-1"), WriteMode.ADD)
    finally:
        await backend.aclose()
    assert url not in str(caught.value)
    if vendor_route.proxy is not None:
        # The proxy's 502 cannot be told from one for a request the vendor dropped: not resent.
        assert isinstance(caught.value, WriteOutcomeUnknown)
        posts = [line for line in vendor_route.proxy.requests if line.startswith("POST ")]
        assert len(posts) == 1
        return
    assert isinstance(caught.value, VendorUnavailable)
    assert not isinstance(caught.value, WriteOutcomeUnknown | CircuitOpen)
    assert backend.transport.stats.attempts == 3
