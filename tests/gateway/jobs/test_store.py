"""The job registry's contract, run against the memory store and the Redis store alike."""

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest

from adapters.model import JobMessage, JobState, Vendor
from gateway.jobs.store import JobStore, MemoryJobStore, supersedes
from tests.gateway.jobs.fakes import make_job
from tests.support.redis import connected_state, running_url


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[JobStore]:
    if request.param == "memory":
        yield MemoryJobStore()
        return
    async with connected_state(running_url(request)) as state:
        yield state.job_store()


async def test_save_stores_changes_with_increasing_revisions(store: JobStore) -> None:
    first = await store.save(make_job(state=JobState.PENDING))
    second = await store.save(make_job(state=JobState.RUNNING))
    assert first.changed and second.changed
    assert second.record.revision > first.record.revision
    stored = await store.get(Vendor.ENGAGE, "job-1")
    assert stored is not None and stored.job.state is JobState.RUNNING


async def test_a_copy_without_news_is_not_a_change(store: JobStore) -> None:
    job = make_job()
    first = await store.save(job)
    again = await store.save(dataclasses.replace(job, updated_at=job.updated_at.replace(year=2030)))
    assert not again.changed
    assert again.record == first.record


async def test_final_states_stick_and_jobs_never_move_back(store: JobStore) -> None:
    await store.save(make_job(state=JobState.RUNNING))
    assert not (await store.save(make_job(state=JobState.PENDING))).changed
    assert (await store.save(make_job(state=JobState.COMPLETED))).changed
    assert not (await store.save(make_job(state=JobState.FAILED))).changed
    stored = await store.get(Vendor.ENGAGE, "job-1")
    assert stored is not None and stored.job.state is JobState.COMPLETED


def test_news_within_a_state_supersedes() -> None:
    old = make_job(state=JobState.RUNNING)
    new = dataclasses.replace(old, warnings=(JobMessage("ArticleMissing", "Article is missing"),))
    assert supersedes(new, old)
    assert not supersedes(old, old)


async def test_vendors_do_not_share_job_ids(store: JobStore) -> None:
    await store.save(make_job(vendor=Vendor.ENGAGE))
    await store.save(make_job(vendor=Vendor.EXPERTSENDER, state=JobState.COMPLETED))
    engage = await store.get(Vendor.ENGAGE, "job-1")
    assert engage is not None and engage.job.state is JobState.PENDING


async def test_memory_store_bounds_finished_jobs_oldest_first_but_keeps_running_ones() -> None:
    store = MemoryJobStore(max_finished=2)
    await store.save(make_job("running"))
    for n in range(4):
        await store.save(make_job(f"done-{n}", JobState.COMPLETED))
    assert len(store) == 3
    assert await store.get(Vendor.ENGAGE, "done-0") is None
    assert await store.get(Vendor.ENGAGE, "done-3") is not None
    assert await store.get(Vendor.ENGAGE, "running") is not None


async def test_forget_unfinished_keeps_final_records(store: JobStore) -> None:
    await store.save(make_job("a"))
    await store.save(make_job("b", JobState.FAILED))
    await store.forget_unfinished(Vendor.ENGAGE, "a")
    await store.forget_unfinished(Vendor.ENGAGE, "b")
    assert await store.get(Vendor.ENGAGE, "a") is None
    assert await store.get(Vendor.ENGAGE, "b") is not None


async def test_poller_lease_has_one_holder_until_released_or_expired(store: JobStore) -> None:
    assert await store.claim_poller(Vendor.ENGAGE, "j", "p1", 60)
    assert await store.claim_poller(Vendor.ENGAGE, "j", "p1", 60)  # renewal
    assert not await store.claim_poller(Vendor.ENGAGE, "j", "p2", 60)
    await store.release_poller(Vendor.ENGAGE, "j", "p2")  # not the holder: no effect
    assert not await store.claim_poller(Vendor.ENGAGE, "j", "p2", 60)
    await store.release_poller(Vendor.ENGAGE, "j", "p1")
    assert await store.claim_poller(Vendor.ENGAGE, "j", "p2", 0.0)
    # A lease a busy machine cannot outlive between two calls, and a sleep past it.
    assert await store.claim_poller(Vendor.ENGAGE, "j", "p3", 1.0)  # p2's lease expired
    assert not await store.claim_poller(Vendor.ENGAGE, "j", "p4", 60)
    await asyncio.sleep(1.1)
    assert await store.claim_poller(Vendor.ENGAGE, "j", "p4", 60)  # p3's lapsed with time


async def test_concurrent_saves_of_one_job_keep_the_furthest_state(store: JobStore) -> None:
    """Processes racing to store the same job: the registry still never moves back."""
    states = [JobState.PENDING, JobState.RUNNING, JobState.COMPLETED] * 5
    results = await asyncio.gather(*(store.save(make_job(state=state)) for state in states))
    stored = await store.get(Vendor.ENGAGE, "job-1")
    assert stored is not None and stored.job.state is JobState.COMPLETED
    changed = sorted(r.record.revision for r in results if r.changed)
    assert len(changed) == len(set(changed)) <= 3
    assert stored.revision == changed[-1]


def test_finished_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MemoryJobStore(max_finished=0)


async def test_the_storage_writes_only_over_the_revision_the_writer_read(store: JobStore) -> None:
    first = await store.put_if(make_job(state=JobState.PENDING), None)
    assert first is not None
    assert await store.put_if(make_job(state=JobState.RUNNING), None) is None
    second = await store.put_if(make_job(state=JobState.RUNNING), first.revision)
    assert second is not None and second.revision > first.revision
    assert await store.put_if(make_job(state=JobState.COMPLETED), first.revision) is None
    stored = await store.get(Vendor.ENGAGE, "job-1")
    assert stored == second
