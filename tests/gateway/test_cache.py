"""The read cache's contract, run over the process-local cache and the one whose invalidations
are broadcast through Redis alike."""

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.model import (
    Contact,
    ContactRef,
    Job,
    JobOperation,
    JobState,
    Order,
    OrderPage,
    Vendor,
)
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


def _page(*order_ids: str) -> OrderPage:
    return OrderPage(orders=tuple(_order(order_id) for order_id in order_ids))


def test_a_change_of_an_order_drops_the_pages_that_hold_it_and_its_contacts() -> None:
    cache = ReadCache(ttl_s=60)
    cache.put_page(Vendor.ENGAGE, "c1", "c1-p1", _page("A", "B"), since=cache.changes_seen())
    cache.put_page(Vendor.ENGAGE, "c1", "c1-p2", _page("C"), since=cache.changes_seen())
    cache.put_page(Vendor.ENGAGE, "c2", "c2-p1", _page("D"), since=cache.changes_seen())
    cache.invalidate_order(Vendor.ENGAGE, "A")
    assert cache.get_page(Vendor.ENGAGE, "c1-p1") is None
    # Same contact: the changed order may now belong on this page too.
    assert cache.get_page(Vendor.ENGAGE, "c1-p2") is None
    assert cache.get_page(Vendor.ENGAGE, "c2-p1") is not None


def test_a_change_of_an_order_never_seen_drops_every_page() -> None:
    cache = ReadCache(ttl_s=60)
    cache.put_page(Vendor.ENGAGE, "c1", "c1-p1", _page("A"), since=cache.changes_seen())
    cache.invalidate_order(Vendor.ENGAGE, "NEW")
    assert cache.get_page(Vendor.ENGAGE, "c1-p1") is None


def test_a_stale_entry_is_served_and_handed_to_the_refresher() -> None:
    cache = ReadCache(ttl_s=0.05, stale_s=60)
    asked: list[tuple[Vendor, str]] = []
    cache.refresh_stale_with(asked.append, None)
    cache.put_order(Vendor.ENGAGE, _order("A"))
    assert cache.get_order(Vendor.ENGAGE, "A") is not None
    assert asked == []
    time.sleep(0.08)
    assert cache.get_order(Vendor.ENGAGE, "A") == _order("A")
    assert asked == [(Vendor.ENGAGE, "A")]
    assert cache.stats().stale_hits == 1


def test_without_a_stale_allowance_an_entry_ends_at_its_ttl() -> None:
    cache = ReadCache(ttl_s=0.05)
    cache.refresh_stale_with(lambda key: None, None)
    cache.put_order(Vendor.ENGAGE, _order("A"))
    time.sleep(0.08)
    assert cache.get_order(Vendor.ENGAGE, "A") is None


def test_an_in_place_change_drops_only_the_pages_that_hold_the_order() -> None:
    cache = ReadCache(ttl_s=60)
    cache.put_page(Vendor.ENGAGE, "c1", "c1-p1", _page("A", "B"), since=cache.changes_seen())
    cache.put_page(Vendor.ENGAGE, "c1", "c1-p2", _page("C"), since=cache.changes_seen())
    cache.invalidate_order(Vendor.ENGAGE, "A", in_place=True)
    assert cache.get_page(Vendor.ENGAGE, "c1-p1") is None
    assert cache.get_page(Vendor.ENGAGE, "c1-p2") is not None


def test_a_page_read_while_an_order_on_it_changed_is_not_kept() -> None:
    cache = ReadCache(ttl_s=60)
    since = cache.changes_seen()
    cache.invalidate_order(Vendor.ENGAGE, "A", in_place=True)
    cache.put_page(Vendor.ENGAGE, "c1", "c1-p1", _page("A", "B"), since=since)
    cache.put_page(Vendor.ENGAGE, "c1", "c1-p2", _page("C"), since=since)
    assert cache.get_page(Vendor.ENGAGE, "c1-p1") is None
    # An in-place change of an order not on the page leaves it current.
    assert cache.get_page(Vendor.ENGAGE, "c1-p2") is not None
    assert cache.get_order(Vendor.ENGAGE, "C") is not None
    assert cache.get_order(Vendor.ENGAGE, "B") is None


def test_a_page_read_while_an_unknown_order_changed_is_not_kept() -> None:
    cache = ReadCache(ttl_s=60)
    since = cache.changes_seen()
    cache.invalidate_order(Vendor.ENGAGE, "NEW")
    cache.put_page(Vendor.ENGAGE, "c1", "c1-p1", _page("A"), since=since)
    assert cache.get_page(Vendor.ENGAGE, "c1-p1") is None


def _finished(order_id: str, job_id: str, read: Order | None) -> Job:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    return Job(
        vendor=Vendor.ENGAGE,
        job_id=job_id,
        operation=JobOperation.CHANGE_STATUS,
        state=JobState.COMPLETED,
        order_id=order_id,
        created_at=now,
        updated_at=now,
        order_read=read,
    )


async def test_a_finished_write_keeps_the_order_its_job_read(make_cache: CacheFactory) -> None:
    cache = make_cache()
    cache.put_order(Vendor.ENGAGE, _order("A-1"))
    fresh = dataclasses.replace(_order("A-1"), external_status="packed")
    cache.note_write(_finished("A-1", "job-1", None))
    cache.forget_write(_finished("A-1", "job-1", fresh))
    assert cache.get_order(Vendor.ENGAGE, "A-1") == fresh


async def test_a_write_sent_meanwhile_keeps_an_earlier_jobs_read_out(
    make_cache: CacheFactory,
) -> None:
    cache = make_cache()
    first = dataclasses.replace(_order("A-1"), external_status="first")
    second = dataclasses.replace(_order("A-1"), external_status="second")
    cache.note_write(_finished("A-1", "job-1", None))
    cache.note_write(_finished("A-1", "job-2", None))
    # The first job's read may predate the second write: not kept.
    cache.forget_write(_finished("A-1", "job-1", first))
    assert cache.get_order(Vendor.ENGAGE, "A-1") is None
    # Nor the second's, which finished after another change of the order was seen.
    cache.forget_write(_finished("A-1", "job-2", second))
    assert cache.get_order(Vendor.ENGAGE, "A-1") is None


async def test_a_change_seen_after_the_write_keeps_its_jobs_read_out(
    make_cache: CacheFactory,
) -> None:
    cache = make_cache()
    cache.note_write(_finished("A-1", "job-1", None))
    cache.invalidate_order(Vendor.ENGAGE, "A-1")  # e.g. another process's write finished
    cache.forget_write(_finished("A-1", "job-1", _order("A-1")))
    assert cache.get_order(Vendor.ENGAGE, "A-1") is None


async def test_a_job_this_process_did_not_send_keeps_its_read_if_nothing_else_was_heard(
    make_cache: CacheFactory,
) -> None:
    # Adopted from a process that went away: no other change of the order is known here.
    cache = make_cache()
    cache.forget_write(_finished("A-1", "adopted-job", _order("A-1")))
    assert cache.get_order(Vendor.ENGAGE, "A-1") == _order("A-1")


async def test_a_job_this_process_did_not_send_keeps_nothing_after_another_change(
    make_cache: CacheFactory,
) -> None:
    cache = make_cache()
    cache.invalidate_order(Vendor.ENGAGE, "A-1")  # e.g. another process's write finished
    cache.forget_write(_finished("A-1", "adopted-job", _order("A-1")))
    assert cache.get_order(Vendor.ENGAGE, "A-1") is None
