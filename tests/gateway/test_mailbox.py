"""Mailbox: FIFO delivery, waiting readers woken, the end (clean or failed) after the last item."""

from __future__ import annotations

import asyncio

import pytest

from gateway.mailbox import Mailbox


async def test_items_come_out_in_order_and_the_end_after_them() -> None:
    box: Mailbox[int] = Mailbox()
    box.put(1)
    box.put(2)
    box.end()
    assert len(box) == 2
    assert [await box.get(), await box.get()] == [1, 2]
    for _ in range(2):  # every later read ends too
        with pytest.raises(StopAsyncIteration):
            await box.get()


async def test_a_waiting_reader_is_woken_by_a_put() -> None:
    box: Mailbox[str] = Mailbox()
    reader = asyncio.create_task(box.get())
    await asyncio.sleep(0)
    assert not reader.done()
    box.put("job done")
    assert await asyncio.wait_for(reader, timeout=2) == "job done"


async def test_several_waiting_readers_each_get_one_item() -> None:
    box: Mailbox[int] = Mailbox()
    readers = [asyncio.create_task(box.get()) for _ in range(3)]
    await asyncio.sleep(0)
    for item in (1, 2, 3):
        box.put(item)
    assert sorted(await asyncio.wait_for(asyncio.gather(*readers), timeout=2)) == [1, 2, 3]


async def test_an_end_with_an_error_raises_it_once_drained() -> None:
    box: Mailbox[int] = Mailbox()
    box.put(7)
    box.end(OverflowError("too far behind"))
    box.end()  # a later end changes nothing
    assert await box.get() == 7
    with pytest.raises(OverflowError, match="too far behind"):
        await box.get()


async def test_a_cancelled_reader_leaves_no_waiter_behind() -> None:
    box: Mailbox[int] = Mailbox()
    reader = asyncio.create_task(box.get())
    await asyncio.sleep(0)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    box.put(1)
    assert await asyncio.wait_for(box.get(), timeout=2) == 1


async def test_a_drained_box_takes_new_items_in_order() -> None:
    box: Mailbox[int] = Mailbox()
    box.put(1)
    assert await box.get() == 1
    assert len(box) == 0
    reader = asyncio.create_task(box.get())
    await asyncio.sleep(0)
    box.put(2)
    box.put(3)
    assert await asyncio.wait_for(reader, timeout=2) == 2
    assert len(box) == 1 and await box.get() == 3
    box.end()
    with pytest.raises(StopAsyncIteration):
        await box.get()
