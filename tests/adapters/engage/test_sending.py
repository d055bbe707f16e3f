"""Writes that may repeat a landed earlier attempt (``may_have_landed``), against the emulator:
a refusal because the order exists, synchronous or in the job, is checked against a read, and
our own earlier write is reported done, never ``ORDER_ALREADY_EXISTS``."""

from __future__ import annotations

from adapters.engage import EngageBackend
from adapters.errors import AlreadyExists
from adapters.model import ContactRef, JobState, OrderStatus, WriteMode
from tests.adapters.engage.conftest import Sandbox, finish
from tests.adapters.engage.samples import full_order

DONE = {JobState.COMPLETED, JobState.COMPLETED_WITH_ERRORS}


def codes(messages: tuple[object, ...]) -> set[str]:
    return {getattr(m, "code", "") for m in messages}


async def test_a_repeat_whose_job_fails_as_already_exists_is_our_write(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    await sandbox.settings(job_delay_ms=400)
    order = full_order("R-ASYNC-1")
    first = await backend.write_order(order, WriteMode.ADD)
    # The first create is still queued: Engage accepts the repeat and fails its job later.
    repeat = await backend.write_order(order, WriteMode.ADD, may_have_landed=True)
    assert not repeat.state.is_final
    done = await finish(backend, repeat)
    assert done.state in DONE
    assert "WRITE_CONFIRMED_BY_READ" in codes(done.warnings)
    assert not done.errors
    assert (await finish(backend, first)).state in DONE
    assert await sandbox.handled_creates(order.order_id) == 2  # both accepted, stored once


async def test_a_repeat_refused_at_once_is_our_write(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    order = full_order("R-SYNC-1")
    await finish(backend, await backend.write_order(order, WriteMode.ADD))
    repeat = await backend.write_order(order, WriteMode.ADD, may_have_landed=True)
    assert repeat.state in DONE
    assert "WRITE_CONFIRMED_BY_READ" in codes(repeat.warnings)
    assert await sandbox.handled_creates(order.order_id) == 1


async def test_someone_elses_order_is_still_already_exists(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    theirs = full_order("R-THEIRS-1")
    await finish(backend, await backend.write_order(theirs, WriteMode.ADD))
    ours = full_order("R-THEIRS-1", contact=ContactRef(email="erik.holm@example.com"))
    try:
        job = await backend.write_order(ours, WriteMode.ADD, may_have_landed=True)
    except AlreadyExists:
        return
    raise AssertionError(f"expected ORDER_ALREADY_EXISTS, got {job}")


async def test_a_confirmed_write_keeps_the_warnings_a_read_can_show(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    """Unknown contact: the read shows no contactId, so the job says CONTACT_MISSING, and the
    mapping's own warnings (fields Engage cannot hold) stay on every later read of the job."""
    order = full_order(
        "R-WARN-1", contact=ContactRef(email="nobody@example.com"), time_zone="Europe/Stockholm"
    )
    await finish(backend, await backend.write_order(order, WriteMode.ADD))
    repeat = await backend.write_order(order, WriteMode.ADD, may_have_landed=True)
    assert repeat.state is JobState.COMPLETED_WITH_ERRORS
    expected = {"WRITE_CONFIRMED_BY_READ", "CONTACT_MISSING", "FIELD_NOT_SUPPORTED"}
    assert expected <= codes(repeat.warnings)
    again = await backend.get_job(repeat.job_id)
    assert expected <= codes(again.warnings)


async def _sent(sandbox: Sandbox, method: str, route: str, order_id: str) -> int:
    return sum(1 for e in await sandbox.log(method, route) if e["order_id"] == order_id)


async def test_a_repeated_status_change_the_order_already_shows_is_not_sent_again(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    order = full_order("R-STATUS-1")
    await finish(backend, await backend.write_order(order, WriteMode.ADD))
    await finish(backend, await backend.change_status(order.order_id, OrderStatus.COMPLETED))
    repeat = await backend.change_status(
        order.order_id, OrderStatus.COMPLETED, may_have_landed=True
    )
    assert repeat.state in DONE
    assert "WRITE_CONFIRMED_BY_READ" in codes(repeat.warnings)
    route = "/api/v3/orders/{orderId}/change-status"
    assert await _sent(sandbox, "POST", route, order.order_id) == 1


async def test_a_repeated_status_change_the_order_does_not_show_is_sent_once(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    order = full_order("R-STATUS-2")
    await finish(backend, await backend.write_order(order, WriteMode.ADD))
    repeat = await backend.change_status(
        order.order_id, OrderStatus.COMPLETED, may_have_landed=True
    )
    assert (await finish(backend, repeat)).state in DONE
    assert "WRITE_CONFIRMED_BY_READ" not in codes(repeat.warnings)
    route = "/api/v3/orders/{orderId}/change-status"
    assert await _sent(sandbox, "POST", route, order.order_id) == 1


async def test_a_repeated_delete_of_an_order_already_gone_is_done_without_sending(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    order = full_order("R-DELETE-1")
    await finish(backend, await backend.write_order(order, WriteMode.ADD))
    await finish(backend, await backend.delete_order(order.order_id))
    repeat = await backend.delete_order(order.order_id, may_have_landed=True)
    assert repeat.state in DONE
    assert "WRITE_CONFIRMED_BY_READ" in codes(repeat.warnings)
    assert await _sent(sandbox, "DELETE", "/api/v3/orders/{orderId}", order.order_id) == 1
