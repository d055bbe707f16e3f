"""Read caches of two processes over one Redis: an invalidation in one reaches the other."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from adapters.model import Contact, ContactRef, Order, Vendor
from gateway.redis.cache import SharedReadCache
from tests.support.observe import PATIENCE_S
from tests.support.redis import RedisServer, connected_state


def _order(order_id: str, total: float = 1.0) -> Order:
    return Order(
        order_id=order_id,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        contact=ContactRef(email="a@example.com"),
        lines=(),
        total=total,
    )


async def until(check: Callable[[], bool], timeout: float = PATIENCE_S) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


async def test_an_invalidation_reaches_the_other_process_only_for_that_entry(
    redis_url: str, redis_prefix: str
) -> None:
    async with (
        connected_state(redis_url, redis_prefix) as one,
        connected_state(redis_url, redis_prefix) as two,
    ):
        a = one.read_cache(maxsize=100, ttl_s=60, enabled=True)
        b = two.read_cache(maxsize=100, ttl_s=60, enabled=True)
        for cache in (a, b):
            cache.put_orders(Vendor.ENGAGE, [_order("A"), _order("B")])
            cache.put_contact(Contact(Vendor.ENGAGE, "c1", email="a@example.com"))
        a.invalidate_order(Vendor.ENGAGE, "A")
        a.invalidate_contact(Vendor.ENGAGE, "c1")
        await until(lambda: b.invalidations_heard == 2)
        assert b.get_order(Vendor.ENGAGE, "A") is None
        assert b.get_contact(Vendor.ENGAGE, "c1") is None
        assert b.get_order(Vendor.ENGAGE, "B") is not None
        assert a.get_order(Vendor.ENGAGE, "B") is not None
        assert a.invalidations_heard == 0  # its own messages are not applied twice
        await a.aclose()
        await b.aclose()


async def test_unreadable_messages_are_ignored(redis_url: str, redis_prefix: str) -> None:
    async with connected_state(redis_url, redis_prefix) as state:
        cache = state.read_cache(maxsize=10, ttl_s=60, enabled=True)
        cache.put_order(Vendor.ENGAGE, _order("A"))
        await state.client.publish(state.keys.cache_channel, b"{not json")
        await state.client.publish(state.keys.cache_channel, b'{"origin": "x", "kind": "order"}')
        await state.client.publish(state.keys.cache_channel + "-other", b"{}")
        cache.invalidate_order(Vendor.EXPERTSENDER, "zzz")  # a marker sent after them
        other = state.read_cache(maxsize=10, ttl_s=60, enabled=True)
        await until(lambda: other.invalidations_heard == 1)
        assert cache.get_order(Vendor.ENGAGE, "A") is not None
        await cache.aclose()
        await other.aclose()


async def test_without_the_invalidation_channel_nothing_is_served_from_cache(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    async with connected_state(redis_server.url, redis_prefix) as state:
        cache = state.read_cache(maxsize=10, ttl_s=60, enabled=True)
        assert isinstance(cache, SharedReadCache)
        cache.put_order(Vendor.ENGAGE, _order("A"))
        redis_server.stop()
        try:
            await until(lambda: not state.available)
            assert cache.get_order(Vendor.ENGAGE, "A") is None
            cache.put_order(Vendor.ENGAGE, _order("B"))
            cache.invalidate_order(Vendor.ENGAGE, "A")  # kept until it can be sent
        finally:
            redis_server.start()
        await until(lambda: state.available)
        # Whatever was missed meanwhile: the cache starts empty again.
        assert cache.get_order(Vendor.ENGAGE, "A") is None
        assert cache.get_order(Vendor.ENGAGE, "B") is None
        cache.put_order(Vendor.ENGAGE, _order("C"))
        assert cache.get_order(Vendor.ENGAGE, "C") is not None
        await cache.aclose()
