"""The fan-out's contract, run against the in-process fan-out and the Redis pub/sub one.

Redis delivers asynchronously (through the process's pub/sub connection), so the tests read
what they expect instead of assuming it is already queued when ``publish`` returns.
"""

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

import pytest

from gateway.errors import SubscriberOverflow
from gateway.pubsub import Fanout, MemoryFanout
from gateway.redis.codec import JsonCodec
from gateway.redis.fanout import RedisFanout
from tests.support.redis import connected_state, running_url

FanoutFactory = Callable[..., Fanout[Any]]
ANY_JSON: JsonCodec[Any] = JsonCodec(lambda value: value, lambda value: value)
# Guards against a hang, never reached when things work: long, since Redis delivers through
# another connection, which a busy machine may be slow to serve.
PATIENCE_S = 30.0


@pytest.fixture(params=["memory", "redis"])
async def make_fanout(request: pytest.FixtureRequest) -> AsyncIterator[FanoutFactory]:
    if request.param == "memory":
        yield lambda **options: MemoryFanout(**options)
        return
    async with connected_state(running_url(request)) as state:
        yield lambda **options: RedisFanout(
            state.client, state.hub, state.keys, ANY_JSON, **options
        )


async def read(
    subscription: AsyncIterable[Any], count: int, timeout: float = PATIENCE_S
) -> list[Any]:
    messages = aiter(subscription)
    return [await asyncio.wait_for(anext(messages), timeout) for _ in range(count)]


async def test_every_subscriber_of_a_topic_gets_every_message_in_order(
    make_fanout: FanoutFactory,
) -> None:
    fanout = make_fanout()
    first, second, other = fanout.subscribe("a"), fanout.subscribe("a"), fanout.subscribe("b")
    assert await fanout.publish("a", 1) > 0
    assert await fanout.publish("a", 2) > 0
    assert await read(first, 2) == [1, 2]
    assert await read(second, 2) == [1, 2]
    await fanout.publish("b", "b1")
    assert await read(other, 1) == ["b1"]
    for subscription in (first, second, other):
        subscription.close()
        assert [m async for m in subscription] == []


async def test_closing_unregisters_and_stops_delivery(make_fanout: FanoutFactory) -> None:
    fanout = make_fanout()
    async with fanout.subscribe("t") as sub:
        assert fanout.subscriber_count("t") == 1
    assert fanout.subscriber_count() == 0
    await fanout.publish("t", "late")
    async with fanout.subscribe("t") as probe:
        await fanout.publish("t", "after")
        # Once a later subscriber has "after", "late" was delivered wherever it was going.
        while await read(probe, 1) != ["after"]:
            pass
    assert [m async for m in sub] == []


async def test_a_waiting_reader_is_woken_by_publish_and_by_close(
    make_fanout: FanoutFactory,
) -> None:
    fanout = make_fanout()
    sub = fanout.subscribe("t")
    received: list[str] = []

    async def read_all() -> None:
        async for message in sub:
            received.append(message)

    reader = asyncio.create_task(read_all())
    await asyncio.sleep(0)
    await fanout.publish("t", "x")
    async with asyncio.timeout(PATIENCE_S):
        while not received:
            await asyncio.sleep(0.005)
    sub.close()
    await asyncio.wait_for(reader, PATIENCE_S)
    assert received == ["x"]


async def test_a_subscriber_that_falls_behind_is_dropped_with_an_error(
    make_fanout: FanoutFactory,
) -> None:
    fanout = make_fanout(max_queue=3)
    slow, fast = fanout.subscribe("t"), fanout.subscribe("t")
    received: list[int] = []
    for n in range(5):
        await fanout.publish("t", n)
        received.extend(await read(fast, 1))
    assert received == [0, 1, 2, 3, 4]
    assert fanout.subscriber_count("t") == 1
    with pytest.raises(SubscriberOverflow, match="fell more than 3"):
        async for _ in slow:
            pass


async def test_aclose_ends_every_subscription_and_later_ones_at_once(
    make_fanout: FanoutFactory,
) -> None:
    fanout = make_fanout()
    subs = [fanout.subscribe(f"t{n % 3}") for n in range(9)]
    readers = [asyncio.create_task(anext(aiter(s), None)) for s in subs]
    await asyncio.sleep(0)
    await fanout.aclose()
    assert await asyncio.wait_for(asyncio.gather(*readers), PATIENCE_S) == [None] * 9
    late = fanout.subscribe("t0")
    assert [m async for m in late] == []
    assert fanout.subscriber_count() == 0


async def test_processes_sharing_redis_hear_each_other(redis_url: str, redis_prefix: str) -> None:
    async with (
        connected_state(redis_url, redis_prefix) as first,
        connected_state(redis_url, redis_prefix) as second,
        connected_state(redis_url) as elsewhere,  # another deployment: another prefix
    ):
        sender = RedisFanout(first.client, first.hub, first.keys, ANY_JSON)
        receiver = RedisFanout(second.client, second.hub, second.keys, ANY_JSON)
        stranger = RedisFanout(elsewhere.client, elsewhere.hub, elsewhere.keys, ANY_JSON)
        heard, unheard = receiver.subscribe("job:ENGAGE:1"), stranger.subscribe("job:ENGAGE:1")
        assert await sender.publish("job:ENGAGE:1", {"state": "RUNNING"}) == 2
        assert await read(heard, 1) == [{"state": "RUNNING"}]
        with pytest.raises(TimeoutError):
            await read(unheard, 1, timeout=0.2)


@pytest.mark.parametrize("size", [0, -1])
def test_queue_size_must_be_positive(size: int) -> None:
    with pytest.raises(ValueError):
        MemoryFanout(max_queue=size)
