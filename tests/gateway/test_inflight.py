"""InFlightReads on a real event loop: sharing, forgetting after a write, cancellation."""

from __future__ import annotations

import asyncio

import pytest

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
