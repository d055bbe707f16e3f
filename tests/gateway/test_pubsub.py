import asyncio

import pytest

from gateway.pubsub import MemoryFanout, SubscriberOverflow


async def test_every_subscriber_of_a_topic_gets_every_message_in_order() -> None:
    fanout: MemoryFanout[int] = MemoryFanout()
    first, second, other = fanout.subscribe("a"), fanout.subscribe("a"), fanout.subscribe("b")
    assert await fanout.publish("a", 1) == 2
    assert await fanout.publish("a", 2) == 2
    first.close()
    second.close()
    other.close()
    assert [m async for m in first] == [1, 2]
    assert [m async for m in second] == [1, 2]
    assert [m async for m in other] == []


async def test_closing_unregisters_and_stops_delivery() -> None:
    fanout: MemoryFanout[str] = MemoryFanout()
    async with fanout.subscribe("t") as sub:
        assert fanout.subscriber_count("t") == 1
    assert fanout.subscriber_count() == 0
    assert await fanout.publish("t", "late") == 0
    assert [m async for m in sub] == []


async def test_a_waiting_reader_is_woken_by_publish_and_by_close() -> None:
    fanout: MemoryFanout[str] = MemoryFanout()
    sub = fanout.subscribe("t")

    async def read_all() -> list[str]:
        return [m async for m in sub]

    reader = asyncio.create_task(read_all())
    await asyncio.sleep(0)
    await fanout.publish("t", "x")
    await asyncio.sleep(0)
    sub.close()
    assert await asyncio.wait_for(reader, 1) == ["x"]


async def test_a_subscriber_that_falls_behind_is_dropped_with_an_error() -> None:
    fanout: MemoryFanout[int] = MemoryFanout(max_queue=3)
    slow, fast = fanout.subscribe("t"), fanout.subscribe("t")
    received: list[int] = []
    for n in range(5):
        await fanout.publish("t", n)
        received.append(await anext(fast))
    assert received == [0, 1, 2, 3, 4]
    assert fanout.subscriber_count("t") == 1
    with pytest.raises(SubscriberOverflow, match="fell more than 3"):
        async for _ in slow:
            pass


async def test_aclose_ends_every_subscription_and_later_ones_at_once() -> None:
    fanout: MemoryFanout[int] = MemoryFanout()
    subs = [fanout.subscribe(f"t{n % 3}") for n in range(9)]
    readers = [asyncio.create_task(anext(aiter(s), None)) for s in subs]
    await asyncio.sleep(0)
    await fanout.aclose()
    assert await asyncio.wait_for(asyncio.gather(*readers), 1) == [None] * 9
    late = fanout.subscribe("t0")
    assert [m async for m in late] == []
    assert fanout.subscriber_count() == 0


def test_queue_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MemoryFanout(max_queue=0)
