"""InFlightReads on a real event loop: sharing, forgetting after a write, cancellation."""

from __future__ import annotations

import asyncio
import time

import pytest

from adapters.transport import (
    Deadline,
    VendorCallPriority,
    current_deadline,
    current_priority,
    vendor_call_deadline,
)
from gateway.inflight import InFlightReads


class Vendorish:
    """A fetch that holds its answer until released, counting calls and keys."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.release = asyncio.Event()
        self.version = 1

    async def fetch(self, keys: list[str]) -> list[str]:
        self.calls.append(keys)
        version = self.version  # read when the call reaches the vendor
        await self.release.wait()
        return [f"{key}@v{version}" for key in keys]

    async def reached(self, calls: int) -> None:
        """Until ``calls`` fetches have reached the vendor."""
        while len(self.calls) < calls:
            await asyncio.sleep(0)


class Queueing:
    """A fetch held until released, noting the deadline and priority its calls would queue
    under when they reach the vendor."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.deadlines: list[float] = []
        self.priorities: list[VendorCallPriority] = []

    async def fetch(self, keys: list[str]) -> list[str]:
        await self.release.wait()
        deadline = current_deadline()
        if deadline is not None:
            self.deadlines.append(deadline.at)
        self.priorities.append(current_priority())
        return [f"value of {key}" for key in keys]


async def test_readers_of_the_same_keys_share_one_fetch() -> None:
    reads: InFlightReads[str, str] = InFlightReads()
    vendor = Vendorish()
    first = asyncio.ensure_future(reads.read(["a", "b"], vendor.fetch))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(reads.read(["b", "c"], vendor.fetch))
    await asyncio.sleep(0)
    vendor.release.set()
    assert await first == ["a@v1", "b@v1"]
    assert await second == ["b@v1", "c@v1"]
    # "b" was joined; only "c" needed a call of its own.
    assert vendor.calls == [["a", "b"], ["c"]]
    assert len(reads) == 0


async def test_a_forgotten_read_is_not_joined_nor_kept() -> None:
    reads: InFlightReads[str, str] = InFlightReads()
    vendor = Vendorish()
    kept: list[str] = []
    before = asyncio.ensure_future(
        reads.read(["a"], vendor.fetch, keep=lambda k, v: kept.append(v))
    )
    await vendor.reached(1)
    vendor.version = 2  # a write lands at the vendor...
    reads.forget("a")  # ...and the gateway learns of it
    after = asyncio.ensure_future(reads.read(["a"], vendor.fetch, keep=lambda k, v: kept.append(v)))
    await asyncio.sleep(0)
    vendor.release.set()
    assert await before == ["a@v1"]  # asked before the write: may see before it
    assert await after == ["a@v2"]
    assert kept == ["a@v2"]
    assert len(vendor.calls) == 2


async def test_a_reader_that_goes_away_does_not_cancel_the_others() -> None:
    reads: InFlightReads[str, str] = InFlightReads()
    vendor = Vendorish()
    leaving = asyncio.ensure_future(reads.read(["a"], vendor.fetch))
    staying = asyncio.ensure_future(reads.read(["a"], vendor.fetch))
    await asyncio.sleep(0)
    leaving.cancel()
    await asyncio.sleep(0)
    vendor.release.set()
    assert await staying == ["a@v1"]
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_failed_fetch_fails_every_reader_and_is_not_remembered() -> None:
    reads: InFlightReads[str, str] = InFlightReads()
    calls = 0

    async def failing(keys: list[str]) -> list[str]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        raise ConnectionError("vendor down")

    results = await asyncio.gather(
        reads.read(["a"], failing), reads.read(["a"], failing), return_exceptions=True
    )
    assert [type(r) for r in results] == [ConnectionError, ConnectionError]
    assert calls == 1
    await asyncio.gather(reads.read(["a"], failing), return_exceptions=True)
    assert calls == 2


async def test_a_shared_read_waits_for_the_latest_deadline_of_its_askers() -> None:
    reads: InFlightReads[str, str] = InFlightReads()
    vendor = Queueing()
    early, late = Deadline.after(1), Deadline.after(30)
    with vendor_call_deadline(early):
        first = asyncio.ensure_future(reads.read(["k"], vendor.fetch))
    await asyncio.sleep(0)
    with vendor_call_deadline(late):
        second = asyncio.ensure_future(reads.read(["k"], vendor.fetch))
    await asyncio.sleep(0)
    vendor.release.set()
    assert list(await asyncio.gather(first, second)) == [["value of k"], ["value of k"]]
    assert vendor.deadlines == [late.at]


async def test_a_read_everyone_gave_up_on_leaves_the_vendor_queue() -> None:
    reads: InFlightReads[str, str] = InFlightReads()
    given_up = asyncio.Event()

    async def fetch(keys: list[str]) -> list[str]:
        deadline = current_deadline()
        assert deadline is not None
        await deadline.gave_up_signal()  # what a queued vendor call waits on besides its turn
        given_up.set()
        raise RuntimeError("left the queue")

    askers = []
    for _ in range(2):
        with vendor_call_deadline(Deadline.after(30)):
            askers.append(asyncio.ensure_future(reads.read(["k"], fetch)))
    await asyncio.sleep(0.01)
    askers[0].cancel()
    await asyncio.sleep(0.01)
    assert not given_up.is_set()  # one asker still waits
    askers[1].cancel()
    await asyncio.wait_for(given_up.wait(), timeout=1)
    assert "k" not in reads  # the next asker starts afresh


async def test_an_asker_without_a_deadline_extends_a_shared_read_by_its_patience() -> None:
    reads: InFlightReads[str, str] = InFlightReads()
    vendor = Queueing()
    with vendor_call_deadline(Deadline.after(1)):
        first = asyncio.ensure_future(reads.read(["k"], vendor.fetch))
    await asyncio.sleep(0.05)
    joined_at = time.monotonic()
    second = asyncio.ensure_future(reads.read(["k"], vendor.fetch))  # no deadline of its own
    await asyncio.sleep(0)
    vendor.release.set()
    assert list(await asyncio.gather(first, second)) == [["value of k"], ["value of k"]]
    # As patient as one who asked with the first asker's patience when it joined.
    assert vendor.deadlines[0] >= joined_at + 1


async def test_a_client_read_lifts_a_background_read_it_joins_to_its_priority() -> None:
    reads: InFlightReads[str, str] = InFlightReads()
    vendor = Queueing()
    refresh = reads.start(["k"], vendor.fetch)  # a background refresh
    await asyncio.sleep(0)
    client = asyncio.ensure_future(reads.read(["k"], vendor.fetch))
    await asyncio.sleep(0)
    vendor.release.set()
    assert await client == ["value of k"]
    assert await refresh["k"] == "value of k"
    assert vendor.priorities == [VendorCallPriority.INTERACTIVE]
