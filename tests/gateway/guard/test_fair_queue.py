from __future__ import annotations

import asyncio

from adapters.transport import SharedPriority, VendorCallPriority, vendor_call_priority
from gateway.guard.fair_queue import FairQueue


async def test_a_lone_client_gets_the_bucket_at_once() -> None:
    queue = FairQueue(rate_per_s=100)  # a bucket of 10
    turns = [asyncio.ensure_future(queue.turn("a")) for _ in range(10)]
    # At once: each turn is granted in its first step, without waiting for any timer (a bound
    # in seconds would be a bet on the machine's load).
    await asyncio.sleep(0)
    assert all(turn.done() for turn in turns)
    await asyncio.gather(*turns)
    assert not queue._rotation


async def test_turns_rotate_between_clients_whatever_their_queue_lengths() -> None:
    queue = FairQueue(rate_per_s=1000)
    granted: list[str] = []

    async def call(client: str) -> None:
        await queue.turn(client)
        granted.append(client)

    flood = [asyncio.ensure_future(call("flood")) for _ in range(300)]
    await asyncio.sleep(0)  # the flood is queued first
    single = asyncio.ensure_future(call("single"))
    await asyncio.gather(*flood, single)
    # The bucket (100, plus what refills while the flood queues) went to the flood before
    # "single" asked; then turns alternate, so it does not wait for the other 190.
    assert granted.index("single") <= 110


async def test_a_cancelled_wait_gives_its_turn_to_the_next() -> None:
    queue = FairQueue(rate_per_s=10)  # a bucket of 1, then a turn every 100 ms
    await queue.turn("a")
    gone = asyncio.ensure_future(queue.turn("a"))
    waiting = asyncio.ensure_future(queue.turn("b"))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.wait_for(waiting, 1.0)
    assert not queue._rotation


async def test_a_single_call_during_a_flood_goes_before_the_next_flood_turn() -> None:
    queue = FairQueue(rate_per_s=200)
    granted: list[str] = []

    async def call(client: str) -> None:
        await queue.turn(client)
        granted.append(client)

    flood = [asyncio.ensure_future(call("flood")) for _ in range(100)]
    await asyncio.sleep(0.1)  # the bucket is spent; the flood is being paced
    before = len(granted)
    await call("single")
    assert granted.index("single") - before <= 1
    for task in flood:
        task.cancel()
    await asyncio.gather(*flood, return_exceptions=True)


async def test_a_write_goes_before_the_reads_queued_by_any_client() -> None:
    queue = FairQueue(rate_per_s=100)  # a bucket of 10, then a turn every 10 ms
    granted: list[str] = []

    async def call(client: str, name: str) -> None:
        await queue.turn(client)
        granted.append(name)

    async def write(client: str) -> None:
        with vendor_call_priority(VendorCallPriority.WRITE):
            await call(client, "write")

    reads = [asyncio.ensure_future(call(c, f"read-{c}")) for c in ("a", "b") for _ in range(30)]
    await asyncio.sleep(0)  # the bucket goes to the first reads, the rest queue
    before = len(granted)
    await write("a")
    assert granted.index("write") <= before + 1
    await asyncio.gather(*reads)


async def test_a_queued_call_whose_shared_priority_is_raised_moves_up() -> None:
    queue = FairQueue(rate_per_s=100)  # a bucket of 10, then a turn every 10 ms
    granted: list[str] = []

    async def call(client: str, priority: VendorCallPriority | SharedPriority) -> None:
        with vendor_call_priority(priority):
            await queue.turn(client)
        granted.append(client)

    reads = [
        asyncio.ensure_future(call("reader", VendorCallPriority.INTERACTIVE)) for _ in range(30)
    ]
    await asyncio.sleep(0)  # the bucket went to the first reads; the rest queue
    shared = SharedPriority(VendorCallPriority.BACKGROUND)
    refresh = asyncio.ensure_future(call("refresh", shared))
    await asyncio.sleep(0)
    shared.raise_to(VendorCallPriority.INTERACTIVE)
    await asyncio.gather(*reads, refresh)
    # A client of its own among the client reads now: the rotation gives it the next turn
    # instead of the last one.
    assert granted.index("refresh") <= 12, granted
