from __future__ import annotations

import asyncio

from gateway.guard.shares import ClientShares
from gateway.settings import ClientLimits


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
