"""The Backend contract against a real ExpertSender CDP unit (or an emulator):
``make test-live``.

Writes only ``OGLIVE-`` orders for the configured test customer and (soft-)deletes them
afterwards, the only removal ECDP offers.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.errors import AlreadyExists, OrderNotFound, UnsupportedByVendor
from adapters.model import (
    ContactRef,
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

pytestmark = pytest.mark.live(Vendor.EXPERTSENDER)


def order(live: Live, order_id: str, **changes: object) -> Order:
    values: dict[str, object] = {
        "order_id": order_id,
        "created_at": datetime(2025, 1, 2, 10, 0, tzinfo=UTC),
        "contact": ContactRef(email=live.contact_email),
        "lines": (OrderLine(sku="OGLIVE-SKU", quantity=1, name="Live check", unit_price=1.0),),
        "status": OrderStatus.PLACED,
        "currency": "SEK",
        "total": 1.0,
        "time_zone": "UTC",
        **changes,
    }
    return Order(**values)  # type: ignore[arg-type]


async def test_create_read_replace_status_delete(expertsender: Live) -> None:
    backend = expertsender.backend
    order_id = expertsender.order_id()
    created = await backend.write_order(order(expertsender, order_id), WriteMode.ADD)
    assert created.state is JobState.COMPLETED
    (read,) = await backend.get_orders([order_id])
    assert read is not None and read.total == 1.0 and not read.is_deleted

    await backend.write_order(order(expertsender, order_id, total=2.0), WriteMode.REPLACE)
    (read,) = await backend.get_orders([order_id])
    assert read is not None and read.total == 2.0

    changed = await backend.change_status(order_id, OrderStatus.PAID)
    assert changed.state is JobState.COMPLETED
    (read,) = await backend.get_orders([order_id])
    assert read is not None and read.status is OrderStatus.PAID

    with pytest.raises(UnsupportedByVendor):
        await backend.trigger_action(order_id, OrderAction(OrderActionType.CONFIRM_ORDER))

    deleted = await backend.delete_order(order_id)
    assert deleted.state is JobState.COMPLETED
    (read,) = await backend.get_orders([order_id])
    assert read is None or read.is_deleted


async def test_each_write_mode(expertsender: Live) -> None:
    backend = expertsender.backend
    order_id = expertsender.order_id()
    with pytest.raises(OrderNotFound):
        await backend.write_order(order(expertsender, order_id), WriteMode.REPLACE)
    await backend.write_order(order(expertsender, order_id), WriteMode.ADD_OR_REPLACE)
    await backend.write_order(order(expertsender, order_id, total=3.0), WriteMode.ADD_OR_REPLACE)
    (read,) = await backend.get_orders([order_id])
    assert read is not None and read.total == 3.0
    with pytest.raises(AlreadyExists):
        await backend.write_order(order(expertsender, order_id), WriteMode.ADD)


async def test_two_adds_of_one_order_race_and_one_loses(expertsender: Live) -> None:
    order_id = expertsender.order_id()
    outcomes = await asyncio.gather(
        *(
            expertsender.backend.write_order(order(expertsender, order_id), WriteMode.ADD)
            for _ in range(2)
        ),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], AlreadyExists), outcomes
