"""EngageBackend writes of whole orders against the Engage emulator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.engage import EngageBackend
from adapters.engage.mapping import held_by_engage
from adapters.errors import AlreadyExists, NoContact, OrderNotFound, ValidationFailed
from adapters.model import (
    ContactRef,
    JobOperation,
    JobState,
    OrderAction,
    OrderActionType,
    OrderStatus,
    WriteMode,
)
from tests.adapters.engage.conftest import Sandbox, fast_settings, finish
from tests.adapters.engage.samples import full_order, unsupported_fields
from tests.adapters.transport.scripted import ScriptedVendor, Step
from tests.support.servers import LoopbackServer, serve

CONFIRM = OrderAction(OrderActionType.CONFIRM_ORDER)


async def test_add_then_read_back_every_field(backend: EngageBackend, sandbox: Sandbox) -> None:
    order = full_order("W-ADD-1")
    job = await backend.write_order(order, WriteMode.ADD)
    assert job.state is JobState.PENDING and job.operation is JobOperation.CREATE
    done = await finish(backend, job)
    assert done.state is JobState.COMPLETED and done.version_tag
    (read,) = await backend.get_orders(["W-ADD-1"])
    assert read is not None
    assert held_by_engage(read) == held_by_engage(order)
    assert read.status is OrderStatus.PAID and read.version_tag == done.version_tag
    assert await sandbox.handled_creates("W-ADD-1") == 1


async def test_fields_engage_cannot_hold_are_warned_on_the_job(backend: EngageBackend) -> None:
    job = await backend.write_order(unsupported_fields(full_order("W-WARN-1")), WriteMode.ADD)
    expected = {
        ("timeZone",),
        ("websiteId",),
        ("returnsValue",),
        ("taxes",),
        ("attributes",),
        ("lines", "0", "category"),
        ("lines", "0", "attributes"),
        ("lines", "0", "returnedQuantity"),
    }
    assert {w.field for w in job.warnings if w.code == "FIELD_NOT_SUPPORTED"} == expected
    done = await finish(backend, job)  # the gateway polls: the warnings survive polling
    assert {w.field for w in done.warnings if w.code == "FIELD_NOT_SUPPORTED"} == expected


async def test_add_existing_is_already_exists(backend: EngageBackend) -> None:
    with pytest.raises(AlreadyExists) as caught:
        await backend.write_order(full_order("ENG-1001"), WriteMode.ADD)
    assert caught.value.upstream_status == 409
    assert caught.value.vendor_messages[0] == "Order already exists"


async def test_replace_missing_is_not_found_and_replace_existing_replaces(
    backend: EngageBackend,
) -> None:
    with pytest.raises(OrderNotFound):
        await backend.write_order(full_order("W-NONE-1"), WriteMode.REPLACE)
    await finish(backend, await backend.write_order(full_order("W-REP-1"), WriteMode.ADD))
    changed = full_order("W-REP-1", currency="EUR", total=12.5, status=OrderStatus.COMPLETED)
    job = await backend.write_order(changed, WriteMode.REPLACE)
    assert job.operation is JobOperation.REPLACE
    assert (await finish(backend, job)).state is JobState.COMPLETED
    read = await backend.get_order("W-REP-1")
    assert read is not None and held_by_engage(read) == held_by_engage(changed)


async def test_add_or_replace_posts_new_and_puts_existing(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    await sandbox.reset_requests()
    first = await backend.write_order(full_order("W-AOR-1"), WriteMode.ADD_OR_REPLACE)
    assert first.operation is JobOperation.CREATE
    await finish(backend, first)
    second = await backend.write_order(
        full_order("W-AOR-1", channel="Store"), WriteMode.ADD_OR_REPLACE
    )
    assert second.operation is JobOperation.REPLACE
    await finish(backend, second)
    read = await backend.get_order("W-AOR-1")
    assert read is not None and read.channel == "Store"
    counts = (await sandbox.requests())["by_route"]
    assert counts["POST /api/v3/orders"] == 1
    assert counts["PUT /api/v3/orders/{orderId}"] == 1


async def test_add_or_replace_that_loses_a_create_race_replaces(
    engage_server: LoopbackServer, sandbox: Sandbox
) -> None:
    # Both creates are accepted before either is processed; the loser's job fails with 409
    # at the vendor, and the adapter turns it into a replace under the same job id.
    await sandbox.settings(job_delay_ms=150)
    winner = EngageBackend(fast_settings(engage_server.url))
    loser = EngageBackend(fast_settings(engage_server.url))
    try:
        won = await winner.write_order(full_order("W-RACE-1"), WriteMode.ADD)
        lost = await loser.write_order(
            full_order("W-RACE-1", channel="Loser"), WriteMode.ADD_OR_REPLACE
        )
        assert lost.operation is JobOperation.CREATE
        assert (await finish(winner, won)).state is JobState.COMPLETED
        done = await finish(loser, lost)
        assert done.job_id == lost.job_id
        assert done.state is JobState.COMPLETED and done.operation is JobOperation.REPLACE
        assert "CREATE_RACE_REPLACED" in {w.code for w in done.warnings}
        read = await winner.get_order("W-RACE-1")
        assert read is not None and read.channel == "Loser"
    finally:
        await winner.aclose()
        await loser.aclose()
    creates = await sandbox.log("POST", "/api/v3/orders")
    assert sum(1 for e in creates if e["order_id"] == "W-RACE-1") == 2
    assert len(await sandbox.log("PUT", "/api/v3/orders/{orderId}")) == 1


async def test_add_or_replace_falls_back_to_put_on_an_immediate_409() -> None:
    # The emulator cannot be timed into "GET says missing, POST says exists"; a scripted
    # vendor can.
    job = b'{"jobId":"j-9","status":"Pending","orderId":"W-409"}'
    scripted = ScriptedVendor().then(
        Step(status=404, body=b'{"errorCode":"OrderNotFound","detail":"not found"}'),
        Step(status=409, body=b'{"errorCode":"OrderAlreadyExists","detail":"exists"}'),
        Step(status=202, body=job),
    )
    with serve(scripted.app) as server:
        backend = EngageBackend(fast_settings(server.url))
        try:
            written = await backend.write_order(full_order("W-409"), WriteMode.ADD_OR_REPLACE)
        finally:
            await backend.aclose()
    assert [(h.method, h.path) for h in scripted.hits] == [
        ("GET", "/api/v3/orders/W-409"),
        ("POST", "/api/v3/orders"),
        ("PUT", "/api/v3/orders/W-409"),
    ]
    assert written.job_id == "j-9" and written.operation is JobOperation.REPLACE


async def test_vendor_validation_errors_keep_messages_and_name_gateway_fields(
    backend: EngageBackend,
) -> None:
    order = full_order("W-BAD-1", currency="kronor")
    order = replace(order, lines=(replace(order.lines[0], total_price=None), *order.lines[1:]))
    with pytest.raises(ValidationFailed) as caught:
        await backend.write_order(order, WriteMode.ADD)
    paths = {error.path for error in caught.value.field_errors}
    assert {("currency",), ("lines", "0", "totalPrice")} <= paths
    assert caught.value.upstream_status == 400
    assert any("totalPrice" in message for message in caught.value.vendor_messages)


async def test_unknown_contact_completes_with_errors(backend: EngageBackend) -> None:
    order = full_order("W-NOC-1", contact=ContactRef(email="nobody@example.com"))
    done = await finish(backend, await backend.write_order(order, WriteMode.ADD))
    assert done.state is JobState.COMPLETED_WITH_ERRORS
    assert "CONTACT_MISSING" in {e.code for e in done.errors}
    with pytest.raises(NoContact) as caught:
        await backend.trigger_action("W-NOC-1", CONFIRM)
    assert caught.value.upstream_status == 422


# Ids a URL path would not keep as one segment of their own: dot segments ('.', '..') are
# removed by URL normalisation (the request would name the parent path), and an encoded '/'
# or '%' must reach the vendor as that character, not as a path separator or an escape.
PATH_HOSTILE_IDS = [".", "..", "/", "a/", "/b", "%2F", "a%25b", "..%2F"]


@pytest.mark.parametrize("order_id", PATH_HOSTILE_IDS)
async def test_ids_a_url_would_rewrite_stay_one_path_segment(
    backend: EngageBackend, order_id: str
) -> None:
    assert await backend.get_orders([order_id]) == [None]
    done = await finish(backend, await backend.write_order(full_order(order_id), WriteMode.ADD))
    assert done.state is JobState.COMPLETED
    (read,) = await backend.get_orders([order_id])
    assert read is not None and read.order_id == order_id
