"""The vendor rate budget shared through a real redis-server."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from adapters.errors import RateLimited
from adapters.model import Vendor
from adapters.transport import Deadline, PriorityGate, vendor_call_deadline
from gateway.redis.connection import open_client
from gateway.redis.rate_budget import (
    ARRIVAL_JITTER_S,
    RedisRateBudget,
    budget_key,
    slot_interval_s,
)
from tests.support.redis import RedisServer


class SlotClock:
    """Stands in for ``asyncio.sleep``: records when each caller's slot comes instead of
    sleeping, so the schedule Redis hands out is seen exactly."""

    def __init__(self) -> None:
        self.slots: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.slots.append(time.monotonic() + delay)


@pytest.mark.parametrize("rate", [2.0, 20.0, 45.0])
def test_rate_plus_one_slots_never_fit_in_one_second_even_shifted_by_the_jitter(
    rate: float,
) -> None:
    interval = slot_interval_s(rate)
    assert (int(rate)) * interval >= 1 + ARRIVAL_JITTER_S - 1e-9


def test_the_redis_key_names_the_vendor_but_not_the_api_key() -> None:
    key = budget_key("gw", Vendor.ENGAGE, "secret-api-key-123")
    assert key.startswith("gw:rate:ENGAGE:")
    assert "secret-api-key-123" not in key
    assert key != budget_key("gw", Vendor.ENGAGE, "another-key")


async def test_processes_sharing_a_key_book_one_schedule(redis_url: str, redis_prefix: str) -> None:
    rate = 20.0
    key = budget_key(redis_prefix, Vendor.ENGAGE, "k")
    clock = SlotClock()
    clients = [open_client(redis_url) for _ in range(2)]
    try:
        # Two budgets on two connections: two gateway processes.
        budgets = [RedisRateBudget(c, Vendor.ENGAGE, key, rate, sleep=clock) for c in clients]
        await asyncio.gather(*(budgets[i % 2].acquire() for i in range(30)))
    finally:
        for client in clients:
            await client.aclose()
    slots = sorted(clock.slots)
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    # Spacing is Redis's own: a gap is short of the interval only by local clock noise.
    assert min(gaps) >= slot_interval_s(rate) - 0.01
    assert len(slots) == 29  # the first request of an idle key goes at once, unscheduled


async def test_each_api_key_has_its_own_budget(redis_url: str, redis_prefix: str) -> None:
    clock = SlotClock()
    client = open_client(redis_url)
    try:
        first = RedisRateBudget(
            client, Vendor.ENGAGE, budget_key(redis_prefix, Vendor.ENGAGE, "a"), 5, sleep=clock
        )
        other = RedisRateBudget(
            client, Vendor.ENGAGE, budget_key(redis_prefix, Vendor.ENGAGE, "b"), 5, sleep=clock
        )
        await first.acquire()
        await first.acquire()
        assert len(clock.slots) == 1  # the second request of key a waits
        await other.acquire()
        assert len(clock.slots) == 1  # key b's first request does not
    finally:
        await client.aclose()


async def test_a_budget_booked_too_far_ahead_refuses_with_rate_limited(
    redis_url: str, redis_prefix: str
) -> None:
    clock = SlotClock()
    client = open_client(redis_url)
    try:
        budget = RedisRateBudget(
            client,
            Vendor.ENGAGE,
            budget_key(redis_prefix, Vendor.ENGAGE, "k"),
            2,
            max_wait_s=1.5,
            sleep=clock,
        )
        await budget.acquire()  # at once
        await budget.acquire()  # 1.1 s ahead
        assert len(clock.slots) == 1
        with pytest.raises(RateLimited) as refused:
            await budget.acquire()  # would be 2.2 s ahead
    finally:
        await client.aclose()
    assert refused.value.code == "RATE_LIMITED"
    assert refused.value.vendor is Vendor.ENGAGE


async def test_without_redis_each_process_paces_itself_at_its_share(
    redis_server: RedisServer,
) -> None:
    # Nothing listens on this URL: every reservation fails, the local share takes over.
    client = open_client("redis://127.0.0.1:1/0", timeout_s=0.2)
    clock = SlotClock()
    try:
        budget = RedisRateBudget(client, Vendor.ENGAGE, "k", 1000, processes=4, sleep=clock)
        await asyncio.wait_for(budget.acquire(), timeout=5)
    finally:
        await client.aclose()
    assert clock.slots == []  # no Redis slot was handed out


async def test_a_slot_past_the_request_deadline_is_refused_without_booking_it(
    redis_url: str, redis_prefix: str
) -> None:
    clock = SlotClock()
    client = open_client(redis_url)
    key = budget_key(redis_prefix, Vendor.ENGAGE, "k")
    try:
        budget = RedisRateBudget(client, Vendor.ENGAGE, key, 2, sleep=clock)
        await budget.acquire()  # at once
        with vendor_call_deadline(Deadline.after(0.5)), pytest.raises(RateLimited) as refused:
            await budget.acquire()  # 1.1 s ahead, past the deadline
        booked = int(await client.get(key) or 0)
        # The next slot is still the one the refused call would have had.
        await budget.acquire()
    finally:
        await client.aclose()
    assert refused.value.vendor is Vendor.ENGAGE
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1
    assert len(clock.slots) == 1
    assert booked < int(time.time() * 1e6) + 2_000_000


async def test_a_caller_that_gives_up_while_waiting_hands_its_slot_back(
    redis_url: str, redis_prefix: str
) -> None:
    client = open_client(redis_url)
    key = budget_key(redis_prefix, Vendor.ENGAGE, "k")
    try:
        budget = RedisRateBudget(client, Vendor.ENGAGE, key, 2)
        await budget.acquire()  # at once
        next_free = await client.get(key)
        waiting = asyncio.ensure_future(budget.acquire())  # sleeps ~1.1 s for its slot
        while await client.get(key) == next_free:
            await asyncio.sleep(0.01)
        booked = await client.get(key)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        # The slot it had booked is free again: the next caller gets that one.
        after = await client.get(key)
    finally:
        await client.aclose()
    assert booked != next_free
    assert after == next_free


async def test_a_call_without_a_request_books_no_slot_beyond_the_queues_own_wait(
    redis_url: str, redis_prefix: str
) -> None:
    clock = SlotClock()
    client = open_client(redis_url)
    key = budget_key(redis_prefix, Vendor.ENGAGE, "k")
    try:
        budget = RedisRateBudget(client, Vendor.ENGAGE, key, 2, sleep=clock)
        # A background refresh: no request deadline, the queue waits 0.5 s for it.
        gate = PriorityGate(budget, rate_per_s=2, default_wait_s=0.5)
        await gate.acquire()  # at once
        next_free = await client.get(key)
        with pytest.raises(RateLimited) as refused:
            await gate.acquire()  # 1.1 s ahead: further than the queue waits for it
        booked = await client.get(key)
    finally:
        await client.aclose()
    assert refused.value.retry_after is not None and refused.value.retry_after >= 1
    assert clock.slots == []
    assert booked == next_free  # nothing booked for a call that would not wait for it
