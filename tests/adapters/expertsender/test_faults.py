"""Vendor faults injected by the emulator: each surfaces as its typed error, and no write is
ever applied twice or silently lost (counted through ``/_sandbox/requests``)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters import errors
from adapters.expertsender import ExpertSenderBackend
from adapters.model import JobState, OrderStatus, Vendor, WriteMode
from adapters.transport import TransportEvent, TransportEventKind
from sandbox.faults import Fault
from tests.adapters.expertsender.conftest import (
    Sandbox,
    new_id,
    seed_for,
    settings_for,
    simple_order,
)

# Each test runs straight to the emulator and through a forward proxy (``tests.support.proxy``).
pytestmark = pytest.mark.usefixtures("vendor_route")

POST = "POST /orders"
GET = "GET /orders/{orderId}"


def handled_posts(sandbox: Sandbox) -> list[dict[str, object]]:
    """POSTs the emulator answered or committed (a connection dropped before handling has no
    status)."""
    log = sandbox.requests()["log"]
    return [e for e in log if e["method"] == "POST" and e["status"] is not None]


async def test_429_is_retried_then_rate_limited(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    clean_sandbox.faults(rate_limit_rate=1.0, retry_after_s=0)
    with pytest.raises(errors.RateLimited) as caught:
        await backend.get_orders([new_id()])
    assert caught.value.upstream_status == 429
    assert caught.value.retry_after == 0.0
    assert clean_sandbox.count(GET) == backend.settings.max_attempts


async def test_transport_events_reach_the_listener(clean_sandbox: Sandbox) -> None:
    events: list[TransportEvent] = []
    backend = ExpertSenderBackend(settings_for(clean_sandbox.url), on_event=events.append)
    clean_sandbox.faults(rate_limit_rate=1.0, retry_after_s=0)
    try:
        with pytest.raises(errors.RateLimited):
            await backend.get_orders([new_id()])
    finally:
        await backend.aclose()
    kinds = [e.kind for e in events]
    assert kinds.count(TransportEventKind.RATE_LIMITED) == backend.settings.max_attempts
    assert kinds[-1] is TransportEventKind.GAVE_UP
    assert all(e.vendor is Vendor.EXPERTSENDER for e in events)


async def test_429_on_a_create_is_resent_because_the_vendor_refused_it(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    clean_sandbox.faults(
        rate_limit_rate=0.3, retry_after_s=0, seed=seed_for([Fault.RATE_LIMIT], rate_limit_rate=0.3)
    )
    order = simple_order()
    job = await backend.write_order(order, WriteMode.ADD)
    assert job.state is JobState.COMPLETED
    assert clean_sandbox.count(POST) == 2
    assert len([e for e in handled_posts(clean_sandbox) if e["status"] == 201]) == 1


async def test_503_is_vendor_unavailable(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    clean_sandbox.faults(error_rate=1.0)
    with pytest.raises(errors.VendorUnavailable) as caught:
        await backend.change_status(new_id(), OrderStatus.PAID)
    assert caught.value.upstream_status == 503
    assert clean_sandbox.count("PUT /orders/status") == backend.settings.max_attempts


async def test_503_on_a_create_stores_nothing(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    clean_sandbox.faults(error_rate=1.0)
    order = simple_order()
    with pytest.raises(errors.VendorUnavailable):
        await backend.write_order(order, WriteMode.ADD)
    clean_sandbox.faults()
    assert await backend.get_orders([order.order_id]) == [None]


async def test_a_dropped_read_is_retried_then_unavailable(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    clean_sandbox.faults(drop_rate=1.0)
    with pytest.raises(errors.VendorUnavailable):
        await backend.find_contact(email="jonas.lind@example.com")
    assert clean_sandbox.count("GET /customers/email/{email}") == backend.settings.max_attempts


async def test_a_create_dropped_after_commit_is_read_back_not_resent(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    clean_sandbox.faults(
        drop_after_commit_rate=0.3,
        seed=seed_for([Fault.DROP_AFTER_COMMIT], drop_after_commit_rate=0.3),
    )
    order = simple_order()
    job = await backend.write_order(order, WriteMode.ADD)
    assert job.state is JobState.COMPLETED
    assert clean_sandbox.count(POST) == 1
    assert clean_sandbox.count(GET) == 1
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None and stored.total == order.total


async def test_a_replace_dropped_after_commit_is_read_back_not_resent(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    order = simple_order()
    await backend.write_order(order, WriteMode.ADD)
    clean_sandbox.reset_requests()
    clean_sandbox.faults(
        drop_after_commit_rate=0.3,
        seed=seed_for([Fault.DROP_AFTER_COMMIT], drop_after_commit_rate=0.3),
    )
    await backend.write_order(replace(order, total=99.0), WriteMode.REPLACE)
    assert clean_sandbox.count(POST) == 1
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None and stored.total == 99.0


async def test_a_create_dropped_before_handling_is_sent_again_once(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    clean_sandbox.faults(drop_rate=0.3, seed=seed_for([Fault.DROP], drop_rate=0.3))
    order = simple_order()
    job = await backend.write_order(order, WriteMode.ADD)
    assert job.state is JobState.COMPLETED
    assert clean_sandbox.count(POST) == 2
    assert [e["status"] for e in handled_posts(clean_sandbox)] == [201]
    assert (await backend.get_orders([order.order_id]))[0] is not None


async def test_when_nothing_can_tell_the_outcome_the_write_is_not_resent(
    clean_sandbox: Sandbox,
) -> None:
    clean_sandbox.faults(drop_after_commit_rate=1.0)
    order = simple_order()
    # One more round of reads after a pause, then the caller is told.
    backend = ExpertSenderBackend(settings_for(clean_sandbox.url, confirm_read_delays=(0.01,)))
    try:
        with pytest.raises(errors.WriteOutcomeUnknown) as caught:
            await backend.write_order(order, WriteMode.ADD)
        assert "reading the order back failed" in caught.value.message
        assert "idempotencyKey" in caught.value.message  # what the caller should do
        assert clean_sandbox.count(POST) == 1
        assert clean_sandbox.count(GET) > backend.settings.max_attempts  # read again
    finally:
        await backend.aclose()
    clean_sandbox.faults()
    # It did land: the caller was told the outcome is unknown, not that it failed.
    reader = ExpertSenderBackend(settings_for(clean_sandbox.url))
    try:
        assert (await reader.get_orders([order.order_id]))[0] is not None
    finally:
        await reader.aclose()


async def test_a_slow_vendor_times_out(clean_sandbox: Sandbox) -> None:
    backend = ExpertSenderBackend(settings_for(clean_sandbox.url, timeout_s=0.2, max_attempts=1))
    clean_sandbox.faults(latency_ms=600)
    try:
        with pytest.raises(errors.UpstreamTimeout):
            await backend.get_orders([new_id()])
    finally:
        await backend.aclose()
    clean_sandbox.wait_for(GET, 1)


async def test_repeated_failures_open_the_circuit(clean_sandbox: Sandbox) -> None:
    backend = ExpertSenderBackend(
        settings_for(clean_sandbox.url, max_attempts=1, breaker_failure_threshold=2)
    )
    clean_sandbox.faults(error_rate=1.0)
    try:
        for _ in range(2):
            with pytest.raises(errors.VendorUnavailable):
                await backend.get_orders([new_id()])
        with pytest.raises(errors.CircuitOpen):
            await backend.get_orders([new_id()])
    finally:
        await backend.aclose()
    assert clean_sandbox.count(GET) == 2
