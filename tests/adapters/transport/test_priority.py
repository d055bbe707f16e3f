"""PriorityGate in front of a real aiolimiter bucket: who is let through first."""

from __future__ import annotations

import asyncio

from adapters.transport import PriorityGate, VendorCallPriority, local_limiter, vendor_call_priority

# Slow enough that callers queue; a slot every 50 ms.
RATE_PER_S = 20.0


async def _call(
    gate: PriorityGate, priority: VendorCallPriority, name: str, log: list[str]
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
