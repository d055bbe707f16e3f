"""PriorityGate in front of a real aiolimiter bucket: who is let through first."""

from __future__ import annotations

import asyncio

from adapters.errors import RateLimited
from adapters.transport import (
    Deadline,
    PriorityGate,
    SharedPriority,
    TurnOrder,
    VendorCallPriority,
    local_limiter,
    vendor_call_deadline,
    vendor_call_priority,
)

# Slow enough that callers queue; a slot every 50 ms.
RATE_PER_S = 20.0


async def _call(
    gate: PriorityGate, priority: VendorCallPriority | SharedPriority, name: str, log: list[str]
) -> None:
    with vendor_call_priority(priority):
        await gate.acquire()
    log.append(name)


def _start(
    gate: PriorityGate, priority: VendorCallPriority, prefix: str, count: int, log: list[str]
) -> list[asyncio.Future[None]]:
    return [asyncio.ensure_future(_call(gate, priority, f"{prefix}{i}", log)) for i in range(count)]


async def _queued(gate: PriorityGate, count: int) -> None:
    while gate.waiting() < count:
        await asyncio.sleep(0)


async def test_a_write_goes_ahead_of_the_reads_already_queued() -> None:
    gate = PriorityGate(local_limiter(RATE_PER_S))
    log: list[str] = []
    reads = _start(gate, VendorCallPriority.INTERACTIVE, "read", 10, log)
    await _queued(gate, 5)
    # Reads holding a slot or waiting on the bucket when the write came; the rest queue.
    admitted = len(reads) - gate.waiting()
    write = asyncio.ensure_future(_call(gate, VendorCallPriority.WRITE, "write", log))
    await asyncio.gather(write, *reads)
    assert log.index("write") <= admitted
    assert len(log) - 1 - log.index("write") >= 4  # reads queued before it went after it


async def test_background_refreshes_wait_for_the_reads_clients_wait_for() -> None:
    gate = PriorityGate(local_limiter(RATE_PER_S))
    log: list[str] = []
    background = _start(gate, VendorCallPriority.BACKGROUND, "refresh", 8, log)
    await _queued(gate, 4)
    admitted = len(background) - gate.waiting()
    reads = _start(gate, VendorCallPriority.INTERACTIVE, "read", 3, log)
    await asyncio.gather(*background, *reads)
    assert max(log.index(f"read{i}") for i in range(3)) <= admitted + 2
    assert log[-1].startswith("refresh")


async def test_a_caller_that_gives_up_does_not_stall_the_queue() -> None:
    # One slot at a time (a bucket of one), so callers queue at once.
    gate = PriorityGate(local_limiter(5.0))
    log: list[str] = []
    names = ["first", "second", "leaving", "staying"]
    calls = {
        name: asyncio.ensure_future(_call(gate, VendorCallPriority.INTERACTIVE, name, log))
        for name in names
    }
    await _queued(gate, 2)
    calls["leaving"].cancel()
    await asyncio.wait_for(
        asyncio.gather(*(calls[n] for n in ("first", "second", "staying"))), timeout=10
    )
    assert log == ["first", "second", "staying"]
    assert gate.waiting() == 0


async def _call_by(
    gate: PriorityGate, deadline: Deadline, name: str, log: list[str]
) -> BaseException | None:
    with vendor_call_deadline(deadline):
        try:
            await gate.acquire()
        except RateLimited as exc:
            return exc
    log.append(name)
    return None


async def test_a_caller_leaves_the_queue_at_its_deadline_without_spending_a_slot() -> None:
    gate = PriorityGate(local_limiter(5.0), rate_per_s=5.0)
    log: list[str] = []
    patient = Deadline.after(30)
    early = [
        asyncio.ensure_future(_call_by(gate, patient, name, log))
        for name in ("first", "second", "third")
    ]
    await _queued(gate, 1)
    hasty = asyncio.ensure_future(_call_by(gate, Deadline.after(0.05), "hasty", log))
    last = asyncio.ensure_future(_call_by(gate, patient, "last", log))
    refused = await hasty
    assert isinstance(refused, RateLimited)
    assert refused.retry_after is not None and refused.retry_after >= 1
    await asyncio.gather(*early, last)
    assert log == ["first", "second", "third", "last"]
    assert gate.timed_out == 1


async def test_a_caller_whose_request_gave_up_leaves_at_once() -> None:
    gate = PriorityGate(local_limiter(1.0))
    log: list[str] = []
    held = asyncio.ensure_future(_call_by(gate, Deadline.after(30), "first", log))
    queued = asyncio.ensure_future(_call_by(gate, Deadline.after(30), "second", log))
    request = Deadline.after(30)
    leaving = asyncio.ensure_future(_call_by(gate, request, "leaving", log))
    await _queued(gate, 1)  # "second" waits on the bucket itself, "leaving" in the queue
    request.give_up()
    refused = await asyncio.wait_for(leaving, timeout=0.5)
    assert isinstance(refused, RateLimited)
    await asyncio.gather(held, queued)
    assert log == ["first", "second"]


def test_reads_get_one_turn_in_four_while_writes_keep_coming() -> None:
    turns = TurnOrder(interactive_every=4)
    both = [VendorCallPriority.WRITE, VendorCallPriority.INTERACTIVE]
    given = []
    for _ in range(12):
        priority = turns.choose(both)
        turns.granted(priority, both)
        given.append(priority)
    assert given.count(VendorCallPriority.INTERACTIVE) == 3
    assert given[:4] == [VendorCallPriority.WRITE] * 3 + [VendorCallPriority.INTERACTIVE]
    # Background refreshes still wait for both.
    assert turns.choose([VendorCallPriority.BACKGROUND, VendorCallPriority.WRITE]) == (
        VendorCallPriority.WRITE
    )


async def test_a_job_poll_goes_ahead_of_the_writes_already_queued() -> None:
    gate = PriorityGate(local_limiter(RATE_PER_S))
    log: list[str] = []
    writes = _start(gate, VendorCallPriority.WRITE, "write", 8, log)
    await _queued(gate, 4)
    admitted = len(writes) - gate.waiting()
    poll = asyncio.ensure_future(_call(gate, VendorCallPriority.JOB, "poll", log))
    await asyncio.gather(poll, *writes)
    assert log.index("poll") <= admitted


async def test_a_call_waiting_on_the_bucket_follows_its_deadline_when_it_is_extended() -> None:
    gate = PriorityGate(local_limiter(2.0))
    log: list[str] = []
    await _call_by(gate, Deadline.after(30), "first", log)
    # The bucket's next slot is half a second away: past this deadline unless it moves.
    shared = Deadline.after(0.2)
    waiting = asyncio.ensure_future(_call_by(gate, shared, "shared", log))
    await asyncio.sleep(0.05)
    shared.extend(Deadline.after(5))
    assert await asyncio.wait_for(waiting, timeout=5) is None
    assert log == ["first", "shared"]


async def test_a_call_waiting_on_the_bucket_leaves_at_once_when_its_request_gives_up() -> None:
    gate = PriorityGate(local_limiter(0.5))
    log: list[str] = []
    await _call_by(gate, Deadline.after(30), "first", log)
    request = Deadline.after(30)
    waiting = asyncio.ensure_future(_call_by(gate, request, "gone", log))
    await asyncio.sleep(0.05)  # waiting on the bucket itself: nobody else queues
    request.give_up()
    refused = await asyncio.wait_for(waiting, timeout=0.5)
    assert isinstance(refused, RateLimited)
    assert log == ["first"]


async def test_a_queued_call_whose_shared_priority_is_raised_moves_up() -> None:
    gate = PriorityGate(local_limiter(RATE_PER_S))
    log: list[str] = []
    shared = SharedPriority(VendorCallPriority.BACKGROUND)
    earlier = _start(gate, VendorCallPriority.INTERACTIVE, "earlier", 8, log)
    await _queued(gate, 5)
    joined = asyncio.ensure_future(_call(gate, shared, "joined", log))
    await asyncio.sleep(0)  # queued, behind every client read
    shared.raise_to(VendorCallPriority.INTERACTIVE)
    later = _start(gate, VendorCallPriority.INTERACTIVE, "later", 4, log)
    await asyncio.gather(*earlier, joined, *later)
    # Filed among the client reads when it was raised: after those before, before those after.
    assert log.index("joined") < min(log.index(f"later{i}") for i in range(4)), log
    assert log.index("joined") > max(log.index(f"earlier{i}") for i in range(8)), log
