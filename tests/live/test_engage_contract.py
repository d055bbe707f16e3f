"""The Backend contract against a real Engage tenant (or an emulator): ``make test-live``.

Writes only ``OGLIVE-`` orders for the configured test contact and deletes them afterwards. The
action it sends is a ``Custom`` one named ``OrderGatewayLiveCheck``, which triggers no automation
unless the tenant has built one for that name.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.errors import AlreadyExists, OrderNotFound
from adapters.model import (
    ContactRef,
    JobOperation,
    JobState,
    Order,
    OrderAction,
    OrderActionType,
    OrderLine,
    OrderStatus,
    Vendor,
    WriteMode,
)
from tests.live.conftest import Live

pytestmark = pytest.mark.live(Vendor.ENGAGE)
CHECK = OrderAction(OrderActionType.CUSTOM, custom_action="OrderGatewayLiveCheck")


def order(live: Live, order_id: str, **changes: object) -> Order:
    values: dict[str, object] = {
        "order_id": order_id,
        "created_at": datetime(2025, 1, 2, 10, 0, tzinfo=UTC),
        "contact": ContactRef(email=live.contact_email),
        "lines": (OrderLine(sku="OGLIVE-SKU", quantity=1, name="Live check", total_price=1.0),),
        "status": OrderStatus.PLACED,
        "currency": "SEK",
        "total": 1.0,
        **changes,
    }
    return Order(**values)  # type: ignore[arg-type]


async def test_create_read_replace_status_action_delete(engage: Live) -> None:
    order_id = engage.order_id()
    created = await engage.finished(
        await engage.backend.write_order(order(engage, order_id), WriteMode.ADD)
    )
    assert created.state in (JobState.COMPLETED, JobState.COMPLETED_WITH_ERRORS), created
    (read,) = await engage.backend.get_orders([order_id])
    assert read is not None and read.order_id == order_id and read.total == 1.0

    replaced = await engage.finished(
        await engage.backend.write_order(
            order(engage, order_id, external_status="LiveChecked"), WriteMode.REPLACE
        )
    )
    assert replaced.state is not JobState.FAILED, replaced
    (read,) = await engage.backend.get_orders([order_id])
    assert read is not None and read.external_status == "LiveChecked"

    changed = await engage.finished(
        await engage.backend.change_status(order_id, OrderStatus.COMPLETED)
    )
    assert changed.state is not JobState.FAILED, changed
    (read,) = await engage.backend.get_orders([order_id])
    assert read is not None and read.status is OrderStatus.COMPLETED and read.version_tag

    action = await engage.backend.trigger_action(order_id, CHECK, version_tag=read.version_tag)
    assert action.operation is JobOperation.ACTION
    assert (await engage.finished(action)).state is JobState.COMPLETED

    deleted = await engage.finished(await engage.backend.delete_order(order_id))
    assert deleted.state is JobState.COMPLETED
    assert await engage.backend.get_orders([order_id]) == [None]


async def test_each_write_mode(engage: Live) -> None:
    order_id = engage.order_id()
    with pytest.raises(OrderNotFound):
        await engage.backend.write_order(order(engage, order_id), WriteMode.REPLACE)
    first = await engage.backend.write_order(order(engage, order_id), WriteMode.ADD_OR_REPLACE)
    assert (await engage.finished(first)).state is not JobState.FAILED
    again = await engage.backend.write_order(
        order(engage, order_id, channel="Store"), WriteMode.ADD_OR_REPLACE
    )
    assert (await engage.finished(again)).state is not JobState.FAILED
    (read,) = await engage.backend.get_orders([order_id])
    assert read is not None and read.channel == "Store"
    with pytest.raises(AlreadyExists):
        await engage.backend.write_order(order(engage, order_id), WriteMode.ADD)


async def test_two_creates_of_one_order_race_and_one_loses(engage: Live) -> None:
    order_id = engage.order_id()
    sent = order(engage, order_id)
    outcomes = await asyncio.gather(
        engage.backend.write_order(sent, WriteMode.ADD),
        engage.backend.write_order(replace(sent, channel="Store"), WriteMode.ADD),
        return_exceptions=True,
    )
    finished = [await engage.finished(o) for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(error, AlreadyExists) for error in refused), refused
    won = [job for job in finished if job.state is not JobState.FAILED]
    lost = [job for job in finished if job.state is JobState.FAILED]
    assert len(won) == 1 and len(lost) + len(refused) == 1
    for job in lost:
        assert [error.code for error in job.errors] == ["ORDER_ALREADY_EXISTS"]
