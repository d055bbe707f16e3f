from __future__ import annotations

import asyncio

import pytest

from adapters.errors import RateLimited
from adapters.model import Vendor
from adapters.transport import Deadline, vendor_call_deadline
from gateway.guard.shares import ClientShares, bucket_storage
from gateway.settings import ClientLimits
from tests.support.redis import RedisServer


async def test_a_client_pays_from_its_own_bucket() -> None:
    shares = ClientShares(ClientLimits(cost_rate=1.0, cost_burst=10))
    assert await shares.charge("a", 6) is None
    retry_after = await shares.charge("a", 6)
    assert retry_after is not None and 1 <= retry_after <= 10
    assert await shares.charge("b", 6) is None  # another client is untouched
    assert await shares.charge("a", 0) is None  # free operations always pass


async def test_an_operation_larger_than_the_bucket_is_never_paid() -> None:
    shares = ClientShares(ClientLimits(cost_rate=2.0, cost_burst=10))
    assert await shares.charge("a", 11) == 5


async def test_a_client_has_a_bounded_number_of_calls_in_flight() -> None:
    shares = ClientShares(ClientLimits(vendor_concurrency=2))
    in_flight = peak = 0

    async def call(client: str) -> None:
        nonlocal in_flight, peak
        async with shares.slot(client):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1

    await asyncio.gather(*(call("a") for _ in range(10)))
    assert peak == 2
    peak = 0
    await asyncio.gather(*(call(client) for client in "abcd" for _ in range(2)))
    assert peak == 8  # clients do not wait for each other


async def test_processes_sharing_redis_share_one_bucket_per_client(
    redis_url: str, redis_prefix: str
) -> None:
    limits = ClientLimits(cost_rate=1.0, cost_burst=10)
    first = ClientShares(limits, storage=bucket_storage(redis_url, redis_prefix))
    second = ClientShares(limits, storage=bucket_storage(redis_url, redis_prefix))
    assert await first.charge("address:10.0.0.1", 6) is None
    assert await second.charge("address:10.0.0.1", 6) is not None
    assert await second.charge("address:10.0.0.2", 6) is None


async def test_an_unreachable_store_lets_operations_through(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    if not redis_server.running:
        redis_server.start()
    shares = ClientShares(
        ClientLimits(cost_rate=1.0, cost_burst=10),
        storage=bucket_storage(redis_server.url, redis_prefix),
    )
    assert await shares.charge("a", 10) is None
    redis_server.stop()
    try:
        assert await shares.charge("a", 10) is None
    finally:
        redis_server.start()
    # Counted again once it is back (a restarted Redis without persistence starts empty).
    assert await shares.charge("a", 10) is None
    assert await shares.charge("a", 10) is not None


async def test_a_refused_client_is_told_how_long_it_still_has_to_wait() -> None:
    shares = ClientShares(ClientLimits(cost_rate=1.0, cost_burst=10))
    assert shares.retry_after("a") is None
    assert await shares.charge("a", 10) is None
    assert shares.retry_after("a") is None  # paid: nothing to wait for
    waited = await shares.charge("a", 5)
    assert waited is not None and shares.retry_after("a") == waited
    assert shares.retry_after("b") is None


async def test_a_call_waits_for_a_slot_no_longer_than_its_requests_deadline() -> None:
    shares = ClientShares(ClientLimits(vendor_concurrency=1))
    release = asyncio.Event()

    async def holding() -> None:
        async with shares.slot("a"):
            await release.wait()

    held = asyncio.ensure_future(holding())
    await asyncio.sleep(0)
    with vendor_call_deadline(Deadline.after(0.05)), pytest.raises(RateLimited) as refused:
        async with shares.slot("a", vendor=Vendor.ENGAGE):
            raise AssertionError("got a slot that was held")
    assert refused.value.vendor is Vendor.ENGAGE
    assert refused.value.retry_after is not None
    release.set()
    await held
    async with shares.slot("a"):  # the slot is free again, none was lost
        pass


async def test_a_call_cancelled_just_as_its_slot_came_hands_the_slot_back() -> None:
    shares = ClientShares(ClientLimits(vendor_concurrency=1))
    release = asyncio.Event()
    entered = False

    async def holding() -> None:
        async with shares.slot("a"):
            await release.wait()

    async def waiting() -> None:
        nonlocal entered
        with vendor_call_deadline(Deadline.after(30)):
            async with shares.slot("a"):
                entered = True

    held = asyncio.ensure_future(holding())
    await asyncio.sleep(0)
    waiter = asyncio.ensure_future(waiting())
    await asyncio.sleep(0)  # queued behind the held slot
    release.set()
    await held
    # The slot passed to the queued call, which is cancelled before it resumes to use it.
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not entered
    async with asyncio.timeout(5):  # a guard against a hang, not a timing
        async with shares.slot("a"):  # the slot is free again, none was lost
            pass
