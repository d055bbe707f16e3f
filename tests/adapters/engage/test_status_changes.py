"""EngageBackend changes of status against the Engage emulator."""

from __future__ import annotations

import pytest

from adapters.engage import EngageBackend
from adapters.errors import OrderNotFound
from adapters.model import JobOperation, OrderStatus, WriteMode
from tests.adapters.engage.conftest import finish
from tests.adapters.engage.samples import full_order


@pytest.mark.parametrize("status", list(OrderStatus))
async def test_change_status_round_trips(backend: EngageBackend, status: OrderStatus) -> None:
    order_id = f"W-ST-{status.value}"
    start = OrderStatus.PLACED if status is not OrderStatus.PLACED else OrderStatus.PAID
    await finish(
        backend, await backend.write_order(full_order(order_id, status=start), WriteMode.ADD)
    )
    job = await backend.change_status(order_id, status)
    assert job.operation is JobOperation.CHANGE_STATUS and job.warnings == ()
    await finish(backend, job)
    read = await backend.get_order(order_id)
    assert read is not None
    assert (read.status, read.external_status) == (status, None)


async def test_change_status_keeps_the_clients_external_status_and_says_what_was_lost(
    backend: EngageBackend,
) -> None:
    await finish(backend, await backend.write_order(full_order("W-ST-EXT"), WriteMode.ADD))
    job = await backend.change_status("W-ST-EXT", OrderStatus.PLACED, external_status="Picked")
    assert [w.code for w in job.warnings] == ["STATUS_NOT_PRESERVED"]
    await finish(backend, job)
    read = await backend.get_order("W-ST-EXT")
    assert read is not None
    assert (read.status, read.external_status, read.vendor_status) == (
        OrderStatus.IN_PROGRESS,
        "Picked",
        "InProgress",
    )
    with pytest.raises(OrderNotFound):
        await backend.change_status("W-NONE-2", OrderStatus.PAID)
