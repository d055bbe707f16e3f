"""The read cache's contract, run over the process-local cache and the one whose invalidations
are broadcast through Redis alike."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.model import Contact, ContactRef, Order, Vendor
from gateway.cache import ReadCache
from gateway.defaults import DEFAULT_CACHE_MAXSIZE, DEFAULT_CACHE_TTL_S
from tests.support.redis import connected_state, running_url

CacheFactory = Callable[..., ReadCache]


@pytest.fixture(params=["memory", "redis"])
async def make_cache(request: pytest.FixtureRequest) -> AsyncIterator[CacheFactory]:
    caches: list[ReadCache] = []

    def options(given: dict[str, Any]) -> dict[str, Any]:
        return {
            "maxsize": DEFAULT_CACHE_MAXSIZE,
            "ttl_s": DEFAULT_CACHE_TTL_S,
            "enabled": True,
            **given,
        }

    if request.param == "memory":

        def memory(**given: Any) -> ReadCache:
            caches.append(ReadCache(**options(given)))
            return caches[-1]

        yield memory
    else:
        async with connected_state(running_url(request)) as state:

            def shared(**given: Any) -> ReadCache:
                caches.append(state.read_cache(**options(given)))
                return caches[-1]

            yield shared
            for cache in caches:
                await cache.aclose()


def _order(order_id: str) -> Order:
    return Order(
        order_id=order_id,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        contact=ContactRef(email="a@example.com"),
        lines=(),
    )


async def test_orders_are_kept_per_vendor(make_cache: CacheFactory) -> None:
    cache = make_cache(ttl_s=60)
    cache.put_order(Vendor.ENGAGE, _order("A"))
    assert cache.get_order(Vendor.ENGAGE, "A") == _order("A")
    assert cache.get_order(Vendor.EXPERTSENDER, "A") is None
    assert cache.stats().hits == 1 and cache.stats().misses == 1


async def test_invalidation_drops_one_entry(make_cache: CacheFactory) -> None:
    cache = make_cache(ttl_s=60)
    cache.put_orders(Vendor.ENGAGE, [_order("A"), _order("B")])
    cache.invalidate_order(Vendor.ENGAGE, "A")
    assert cache.get_order(Vendor.ENGAGE, "A") is None
    assert cache.get_order(Vendor.ENGAGE, "B") is not None


async def test_entries_expire_after_the_ttl(make_cache: CacheFactory) -> None:
    cache = make_cache(ttl_s=0.05)
    cache.put_contact(Contact(Vendor.ENGAGE, "c1", email="a@example.com"))
    assert cache.get_contact(Vendor.ENGAGE, "c1") is not None
    await asyncio.sleep(0.08)
    assert cache.get_contact(Vendor.ENGAGE, "c1") is None


async def test_size_is_bounded(make_cache: CacheFactory) -> None:
    cache = make_cache(ttl_s=60, maxsize=3)
    cache.put_orders(Vendor.ENGAGE, [_order(str(i)) for i in range(10)])
    assert cache.stats().size == 3


async def test_disabled_cache_stores_nothing(make_cache: CacheFactory) -> None:
    cache = make_cache(enabled=False)
    cache.put_order(Vendor.ENGAGE, _order("A"))
    assert not cache.enabled
    assert cache.get_order(Vendor.ENGAGE, "A") is None
    assert cache.stats().size == 0
