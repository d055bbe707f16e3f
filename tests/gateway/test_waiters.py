"""Waiters: every parked coroutine woken at once; a cancelled one leaves nothing behind."""

from __future__ import annotations

import asyncio

import pytest

from gateway.waiters import Waiters


async def test_wake_all_wakes_every_waiter_and_later_waiters_wait_again() -> None:
    waiters = Waiters()
    parked = [asyncio.create_task(waiters.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(task.done() for task in parked)
    waiters.wake_all()
    await asyncio.wait_for(asyncio.gather(*parked), timeout=2)
    late = asyncio.create_task(waiters.wait())
    await asyncio.sleep(0.01)
    assert not late.done()
    waiters.wake_all()
    await asyncio.wait_for(late, timeout=2)


async def test_a_cancelled_waiter_does_not_stop_the_others() -> None:
    waiters = Waiters()
    cancelled = asyncio.create_task(waiters.wait())
    kept = asyncio.create_task(waiters.wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    waiters.wake_all()
    await asyncio.wait_for(kept, timeout=2)
