"""The event loop's clock for WebSocket protocol pings: each connection pinged once per
interval, in order, never after it is cancelled, on one timer for all of them."""

from __future__ import annotations

import asyncio

import pytest

from gateway.http.ping_clock import PingClock, ping_clock

INTERVAL_S = 0.05

# On the loop's own fake clock (looptime): time moves from timer to timer, so a loaded machine
# cannot let a timer fall due early or late against the test's own sleeps.
pytestmark = pytest.mark.looptime


class Recorder:
    def __init__(self, loop: asyncio.AbstractEventLoop, name: str, log: list[str]) -> None:
        self.loop = loop
        self.name = name
        self.log = log
        self.pinged_at: list[float] = []
        self.clock: PingClock | None = None

    def send_keepalive_ping(self) -> None:
        self.log.append(self.name)
        self.pinged_at.append(self.loop.time())
        if self.clock is not None:  # uvicorn's way without a pong deadline: ping again
            self.clock.schedule(self)


async def test_each_connection_is_pinged_once_the_interval_has_passed_in_order() -> None:
    loop = asyncio.get_running_loop()
    clock = PingClock(loop, INTERVAL_S)
    log: list[str] = []
    targets = [Recorder(loop, name, log) for name in "abc"]
    scheduled_at = {}
    for target in targets:
        scheduled_at[target.name] = loop.time()
        clock.schedule(target)
        await asyncio.sleep(0.01)
    await asyncio.sleep(INTERVAL_S * 2)
    assert log == ["a", "b", "c"]
    for target in targets:
        assert target.pinged_at[0] >= scheduled_at[target.name] + INTERVAL_S
    assert len(clock) == 0


async def test_a_cancelled_connection_is_never_pinged_and_others_still_are() -> None:
    loop = asyncio.get_running_loop()
    clock = PingClock(loop, INTERVAL_S)
    log: list[str] = []
    first, second = Recorder(loop, "first", log), Recorder(loop, "second", log)
    clock.schedule(first)
    clock.schedule(second)
    clock.cancel(first)
    await asyncio.sleep(INTERVAL_S * 3)
    assert log == ["second"]


async def test_rescheduling_moves_a_connection_to_a_full_interval_from_now() -> None:
    loop = asyncio.get_running_loop()
    clock = PingClock(loop, INTERVAL_S)
    log: list[str] = []
    early, late = Recorder(loop, "early", log), Recorder(loop, "late", log)
    clock.schedule(early)
    clock.schedule(late)
    await asyncio.sleep(INTERVAL_S / 2)
    clock.schedule(early)  # e.g. its pong came back: the next ping is an interval away
    await asyncio.sleep(INTERVAL_S * 3)
    assert log == ["late", "early"]


async def test_connections_that_ping_again_keep_being_pinged_every_interval() -> None:
    loop = asyncio.get_running_loop()
    clock = PingClock(loop, INTERVAL_S)
    log: list[str] = []
    targets = [Recorder(loop, name, log) for name in "xy"]
    for target in targets:
        target.clock = clock
        clock.schedule(target)
    await asyncio.sleep(INTERVAL_S * 4.5)
    for target in targets:
        assert len(target.pinged_at) >= 2
        gaps = [b - a for a, b in zip(target.pinged_at, target.pinged_at[1:], strict=False)]
        assert all(gap >= INTERVAL_S * 0.99 for gap in gaps)
    for target in targets:
        clock.cancel(target)
    assert len(clock) == 0


async def test_one_clock_per_loop_and_interval() -> None:
    loop = asyncio.get_running_loop()
    assert ping_clock(loop, 20.0) is ping_clock(loop, 20.0)
    assert ping_clock(loop, 20.0) is not ping_clock(loop, 5.0)
