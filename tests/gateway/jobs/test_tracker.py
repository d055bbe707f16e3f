import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.errors import JobNotFound, RateLimited, VendorUnavailable
from adapters.model import Job, JobState, Vendor
from gateway.jobs import (
    JOB_TIMEOUT,
    JobStore,
    JobTracker,
    MemoryJobStore,
    PollSchedule,
    TrackedJob,
)
from gateway.pubsub import Fanout, MemoryFanout
from tests.gateway.jobs.fakes import ScriptedJobBackend, make_job
from tests.support.redis import connected_state, running_url

FAST = PollSchedule.of([0.01, 0.02, 0.04])
P, R, C = JobState.PENDING, JobState.RUNNING, JobState.COMPLETED


@pytest.fixture
def backend() -> ScriptedJobBackend:
    return ScriptedJobBackend()


@pytest.fixture
async def changes() -> list[Job]:
    return []


@pytest.fixture
async def tracker(backend: ScriptedJobBackend, changes: list[Job]) -> AsyncIterator[JobTracker]:
    async def on_change(job: Job) -> None:
        changes.append(job)

    tracker = JobTracker({Vendor.ENGAGE: backend}, schedule=FAST, timeout_s=5, on_change=on_change)
    yield tracker
    await tracker.aclose()


async def states(watch: AsyncIterator[Job], timeout: float = 3) -> list[JobState]:
    async def collect() -> list[JobState]:
        return [job.state async for job in watch]

    return await asyncio.wait_for(collect(), timeout)


async def eventually(check: Callable[[], bool], timeout: float = 2) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


async def test_a_tracked_job_is_followed_to_its_final_state(
    tracker: JobTracker, backend: ScriptedJobBackend, changes: list[Job]
) -> None:
    backend.script("job-1", [P, R, R, C])
    assert (await tracker.track(make_job())).state is P
    assert await states(tracker.watch(Vendor.ENGAGE, "job-1")) == [P, R, C]
    assert [job.state for job in changes] == [R, C]
    assert changes[-1].version_tag == "v-job-1"
    await eventually(lambda: tracker.stats().pollers == 0)
    assert tracker.poll_count(Vendor.ENGAGE, "job-1") == backend.call_count("job-1") == 4


# Timer tests run on the loop's own fake clock (looptime): its time moves only from timer to
# timer, so a loaded machine cannot stretch a gap, and the gaps are checked exactly.
@pytest.mark.looptime
async def test_polls_follow_the_schedule_then_stay_at_the_steady_delay(
    backend: ScriptedJobBackend,
) -> None:
    schedule = PollSchedule.of([0.02, 0.05, 0.1])
    backend.script("job-1", [P, P, P, P, P, C])
    tracker = JobTracker({Vendor.ENGAGE: backend}, schedule=schedule, timeout_s=5)
    start = asyncio.get_running_loop().time()
    await tracker.track(make_job())
    assert (await states(tracker.watch(Vendor.ENGAGE, "job-1")))[-1] is C
    times = [start, *backend.calls["job-1"]]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    expected = [0.02, 0.05, 0.1, 0.1, 0.1, 0.1]
    assert len(gaps) == len(expected)
    assert gaps == pytest.approx(expected), (gaps, expected)
    await tracker.aclose()


@pytest.mark.looptime
async def test_a_job_that_never_finishes_ends_failed_with_a_timeout(
    backend: ScriptedJobBackend, changes: list[Job]
) -> None:
    backend.script("job-1", [R])
    tracker = JobTracker({Vendor.ENGAGE: backend}, schedule=FAST, timeout_s=0.3)
    await tracker.track(make_job())
    started = asyncio.get_running_loop().time()
    seen = [job async for job in tracker.watch(Vendor.ENGAGE, "job-1")]
    elapsed = asyncio.get_running_loop().time() - started
    assert [job.state for job in seen] == [P, R, JobState.FAILED]
    assert seen[-1].errors[-1].code == JOB_TIMEOUT
    assert seen[-1].finished_at is not None
    assert elapsed == pytest.approx(0.3)
    await eventually(lambda: tracker.stats().pollers == 0)
    await tracker.aclose()


@pytest.mark.looptime
async def test_a_slow_vendor_answer_cannot_stretch_the_timeout(
    backend: ScriptedJobBackend,
) -> None:
    backend.script("job-1", [P])
    backend.delay_s = 10
    tracker = JobTracker({Vendor.ENGAGE: backend}, schedule=FAST, timeout_s=0.2)
    await tracker.track(make_job())
    final = await states(tracker.watch(Vendor.ENGAGE, "job-1"), timeout=1.5)
    assert final == [P, JobState.FAILED]
    await tracker.aclose()


async def test_a_job_the_vendor_forgot_ends_failed(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    # Nothing scripted: the vendor answers JobNotFound.
    await tracker.track(make_job("lost"))
    seen = [job async for job in tracker.watch(Vendor.ENGAGE, "lost")]
    assert seen[-1].state is JobState.FAILED
    assert seen[-1].errors[-1].code == JobNotFound.code
    assert backend.call_count("lost") == 1


async def test_upstream_errors_are_reported_and_retried_on_the_schedule(
    backend: ScriptedJobBackend,
) -> None:
    reported: list[tuple[str, Exception]] = []

    async def on_error(job: Job, exc: Exception) -> None:
        reported.append((job.job_id, exc))

    down = VendorUnavailable("vendor down", vendor=Vendor.ENGAGE, upstream_status=503)
    backend.script("job-1", [down, down, R, C])
    tracker = JobTracker({Vendor.ENGAGE: backend}, schedule=FAST, timeout_s=5, on_error=on_error)
    await tracker.track(make_job())
    assert await states(tracker.watch(Vendor.ENGAGE, "job-1")) == [P, R, C]
    assert [job_id for job_id, _ in reported] == ["job-1", "job-1"]
    assert all(exc is down for _, exc in reported)
    assert tracker.poll_stats(Vendor.ENGAGE, "job-1").errors == 2
    await tracker.aclose()


async def test_a_rate_limited_vendor_is_not_polled_before_its_retry_after(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    limited = RateLimited("slow down", vendor=Vendor.ENGAGE, upstream_status=429, retry_after=0.3)
    backend.script("job-1", [limited, R, C])
    await tracker.track(make_job())
    assert (await states(tracker.watch(Vendor.ENGAGE, "job-1")))[-1] is C
    first, second, *_ = backend.calls["job-1"]
    assert second - first >= 0.3
    assert tracker.poll_stats(Vendor.ENGAGE, "job-1").errors == 1


async def test_failing_hooks_do_not_stop_the_poller(backend: ScriptedJobBackend) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("hook bug")

    backend.script("job-1", [VendorUnavailable("down"), R, C])
    tracker = JobTracker(
        {Vendor.ENGAGE: backend}, schedule=FAST, timeout_s=5, on_change=broken, on_error=broken
    )
    await tracker.track(make_job())
    assert (await states(tracker.watch(Vendor.ENGAGE, "job-1")))[-1] is C
    await tracker.aclose()


async def test_a_final_job_emits_once_and_completes(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    done = make_job("sync", C, Vendor.ENGAGE)
    assert (await tracker.track(done)).state is C
    assert await states(tracker.watch(Vendor.ENGAGE, "sync")) == [C]
    assert tracker.stats().pollers == 0
    assert backend.call_count("sync") == 0


async def test_one_poller_per_job_however_many_tracks_and_watchers(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    backend.script("job-1", [P, P, R, R, C])
    for _ in range(5):
        await tracker.track(make_job())
    watches = [states(tracker.watch(Vendor.ENGAGE, "job-1")) for _ in range(100)]
    results = await asyncio.gather(*watches)
    assert all(result == [P, R, C] for result in results)
    assert backend.call_count("job-1") == 5
    assert tracker.poll_count(Vendor.ENGAGE, "job-1") == 5


async def test_watchers_that_come_late_still_see_the_rest(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    backend.script("job-1", [R, R, R, R, C])
    await tracker.track(make_job())
    await eventually(lambda: backend.call_count("job-1") >= 1)
    late = await states(tracker.watch(Vendor.ENGAGE, "job-1"))
    assert late[0] is R and late[-1] is C


async def test_a_stale_copy_tracked_again_does_not_reopen_a_finished_job(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    backend.script("job-1", [C])
    await tracker.track(make_job())
    await eventually(lambda: tracker.stats().pollers == 0)
    again = await tracker.track(make_job())
    assert again.state is C
    assert tracker.stats().pollers == 0
    assert backend.call_count("job-1") == 1


async def test_watching_an_unknown_job_raises_job_not_found(tracker: JobTracker) -> None:
    with pytest.raises(JobNotFound):
        await anext(tracker.watch(Vendor.ENGAGE, "nope"))
    with pytest.raises(JobNotFound):
        await anext(tracker.watch(Vendor.EXPERTSENDER, "nope"))
    assert tracker.stats() == tracker.stats().__class__(0, 0, 0)


async def test_get_reads_the_registry_then_the_vendor(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    backend.script("known", [C])
    await tracker.track(make_job("mine", C))
    mine = await tracker.get(Vendor.ENGAGE, "mine")
    assert mine is not None and mine.state is C
    assert backend.call_count("mine") == 0
    fetched = await tracker.get(Vendor.ENGAGE, "known")
    assert fetched is not None and fetched.state is C
    assert await tracker.get(Vendor.ENGAGE, "known") == fetched
    assert backend.call_count("known") == 1  # the finished job is now in the registry
    assert await tracker.get(Vendor.ENGAGE, "nope") is None
    assert await tracker.get(Vendor.EXPERTSENDER, "nope") is None


async def test_get_does_not_keep_a_running_job_nobody_follows(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    backend.script("other", [R, C])
    first = await tracker.get(Vendor.ENGAGE, "other")
    second = await tracker.get(Vendor.ENGAGE, "other")
    assert first is not None and first.state is R
    assert second is not None and second.state is C


async def test_a_watch_only_poller_stops_when_its_last_watcher_leaves(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    backend.script("theirs", [R])
    watches = [tracker.watch(Vendor.ENGAGE, "theirs") for _ in range(3)]
    for watch in watches:
        assert (await anext(watch)).state is R
    assert tracker.stats().pollers == 1
    assert tracker.stats().watchers == 3
    await watches[0].aclose()
    await watches[1].aclose()
    assert tracker.stats().pollers == 1
    await watches[2].aclose()
    await eventually(lambda: tracker.stats().pollers == 0)
    calls = backend.call_count("theirs")
    await asyncio.sleep(0.1)
    assert backend.call_count("theirs") == calls
    # Its running state would go stale, so the registry let go of it.
    backend.script("theirs", [C])
    refreshed = await tracker.get(Vendor.ENGAGE, "theirs")
    assert refreshed is not None and refreshed.state is C


async def test_an_accepted_job_is_followed_after_its_watchers_leave(
    tracker: JobTracker, backend: ScriptedJobBackend, changes: list[Job]
) -> None:
    backend.script("job-1", [P, P, R, C])
    await tracker.track(make_job())
    watch = tracker.watch(Vendor.ENGAGE, "job-1")
    await anext(watch)
    await watch.aclose()
    await eventually(lambda: bool(changes) and changes[-1].state is C)
    assert tracker.stats().pollers == 0


async def test_a_cancelled_watcher_leaves_nothing_behind(
    tracker: JobTracker, backend: ScriptedJobBackend
) -> None:
    backend.script("theirs", [R])
    before = len(asyncio.all_tasks())
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in tracker.watch(Vendor.ENGAGE, "theirs"):
            started.set()

    consumer = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 1)
    assert tracker.stats().pollers == 1
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    await eventually(lambda: tracker.stats() == tracker.stats().__class__(0, 0, 0))
    await eventually(lambda: len(asyncio.all_tasks()) == before)


async def test_aclose_completes_watchers_and_stops_pollers(backend: ScriptedJobBackend) -> None:
    backend.script("job-1", [R])
    backend.script("job-2", [R])
    tracker = JobTracker({Vendor.ENGAGE: backend}, schedule=FAST, timeout_s=60)
    before = len(asyncio.all_tasks())
    await tracker.track(make_job("job-1"))
    readers = [asyncio.create_task(states(tracker.watch(Vendor.ENGAGE, "job-1"))) for _ in range(3)]
    readers.append(asyncio.create_task(states(tracker.watch(Vendor.ENGAGE, "job-2"))))
    await eventually(lambda: tracker.stats().watchers == 4)
    await eventually(lambda: backend.call_count("job-1") >= 2)  # the first answer is applied
    assert tracker.stats().pollers == 2
    await tracker.aclose()
    # Every watcher ends (within the bound) after what it saw so far, none hangs.
    results = await asyncio.wait_for(asyncio.gather(*readers), 1)
    assert all(result and not result[-1].is_final for result in results)
    assert tracker.stats().pollers == 0
    assert len(asyncio.all_tasks()) == before
    # Closed: nothing new is followed, a watch yields what is known and ends.
    await tracker.track(make_job("job-3"))
    assert tracker.stats().pollers == 0
    assert await states(tracker.watch(Vendor.ENGAGE, "job-1")) == [R]
    assert await states(tracker.watch(Vendor.ENGAGE, "job-3")) == [P]


async def test_a_job_of_a_vendor_without_backend_fails_clearly() -> None:
    tracker = JobTracker({}, schedule=FAST, timeout_s=5)
    await tracker.track(make_job("job-1", vendor=Vendor.EXPERTSENDER))
    seen = await states(tracker.watch(Vendor.EXPERTSENDER, "job-1"))
    assert seen == [P, JobState.FAILED]
    final = await tracker.get(Vendor.EXPERTSENDER, "job-1")
    assert final is not None and final.errors[-1].code == "VENDOR_NOT_CONFIGURED"
    await tracker.aclose()


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_timeout_must_be_positive(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        JobTracker({}, timeout_s=timeout)


Shared = tuple[JobStore, Fanout[TrackedJob]]


@pytest.fixture(params=["memory", "redis"])
async def two_processes(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Shared, Shared]]:
    """What two gateway processes share: one store and fan-out in memory, or each its own
    connections to one Redis."""
    if request.param == "memory":
        store, fanout = MemoryJobStore(), MemoryFanout[TrackedJob]()
        yield (store, fanout), (store, fanout)
        return
    url, prefix = running_url(request), f"tracker-{uuid.uuid4().hex[:8]}"
    async with connected_state(url, prefix) as first, connected_state(url, prefix) as second:
        yield (
            (first.job_store(), first.job_fanout()),
            (second.job_store(), second.job_fanout()),
        )


def trackers(backend: ScriptedJobBackend, pair: tuple[Shared, Shared]) -> list[JobTracker]:
    return [
        JobTracker({Vendor.ENGAGE: backend}, schedule=FAST, timeout_s=5, store=store, fanout=fanout)
        for store, fanout in pair
    ]


async def test_trackers_sharing_a_store_and_fanout_poll_each_job_once(
    backend: ScriptedJobBackend, two_processes: tuple[Shared, Shared]
) -> None:
    """Two gateway processes sharing their registry and fan-out."""
    first, second = trackers(backend, two_processes)
    backend.script("job-1", [P, R, R, R, C])
    await first.track(make_job())
    # A client of the second process watches the job the first one accepted.
    assert await states(second.watch(Vendor.ENGAGE, "job-1")) == [P, R, C]
    polls = [t.poll_count(Vendor.ENGAGE, "job-1") for t in (first, second)]
    assert sum(polls) == backend.call_count("job-1")
    assert min(polls) == 0
    await first.aclose()
    await second.aclose()


async def test_a_standby_tracker_takes_over_when_the_polling_one_stops(
    backend: ScriptedJobBackend, two_processes: tuple[Shared, Shared]
) -> None:
    first, second = trackers(backend, two_processes)
    backend.script("job-1", [R, R, R, R, R, R, C])
    await first.track(make_job())
    watch = second.watch(Vendor.ENGAGE, "job-1")
    assert (await anext(watch)).state is P
    assert (await asyncio.wait_for(anext(watch), 2)).state is R
    polled_by_first = first.poll_count(Vendor.ENGAGE, "job-1")
    await first.aclose()  # e.g. that process is shut down

    assert (await states(watch))[-1] is C
    assert first.poll_count(Vendor.ENGAGE, "job-1") == polled_by_first
    assert second.poll_count(Vendor.ENGAGE, "job-1") > 0
    await second.aclose()
