"""``JobTracker``: the registry of accepted jobs, their pollers and their watchers.

One poller per job, however many requests returned the job and however many subscribers
watch it; every change a poller sees is stored once and fanned out to all watchers. A job
accepted by a write (``track``) is followed to its final state even if nobody watches it, so
its outcome is reported through ``on_change``; a job that is only watched (looked up by id) is
followed while someone watches it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from adapters.backend import Backend
from adapters.errors import JobNotFound
from adapters.model import Job, Vendor
from adapters.transport import VendorCallPriority, vendor_call_priority
from gateway.defaults import DEFAULT_JOB_TIMEOUT_S
from gateway.errors import StateStoreUnavailable
from gateway.jobs.poller import VENDOR_NOT_CONFIGURED, JobPoller, PollStats, failed
from gateway.jobs.schedule import PollSchedule
from gateway.jobs.store import AbandonedJobs, JobStore, MemoryJobStore, SaveResult, TrackedJob
from gateway.pubsub import Fanout, MemoryFanout, Subscription

logger = logging.getLogger(__name__)

OnChange = Callable[[Job], Awaitable[None]]
OnError = Callable[[Job, Exception], Awaitable[None]]

_MAX_STATS = 10_000

_Key = tuple[Vendor, str]


def job_topic(vendor: Vendor, job_id: str) -> str:
    return f"job:{vendor.value}:{job_id}"


@dataclass(frozen=True, slots=True)
class TrackerStats:
    """Live pollers (one per followed job) and watchers, for health checks and tests."""

    pollers: int
    watchers: int
    followed_for_writes: int


@dataclass(eq=False, slots=True)
class _Follow:
    pinned: bool
    watchers: int = 0
    stopping: bool = False
    task: asyncio.Task[None] = field(init=False)


class JobTracker:
    def __init__(
        self,
        backends: Mapping[Vendor, Backend],
        *,
        schedule: PollSchedule | None = None,
        timeout_s: float = DEFAULT_JOB_TIMEOUT_S,
        on_change: OnChange | None = None,
        on_error: OnError | None = None,
        store: JobStore | None = None,
        fanout: Fanout[TrackedJob] | None = None,
        lease_ttl_s: float | None = None,
        abandoned: AbandonedJobs | None = None,
    ) -> None:
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
        self._backends = dict(backends)
        self._schedule = PollSchedule() if schedule is None else schedule
        self._timeout_s = timeout_s
        self._on_change = on_change
        self._on_error = on_error
        # ``is None``, not ``or``: an empty store is falsy.
        self._store: JobStore = MemoryJobStore() if store is None else store
        self._owns_fanout = fanout is None
        self._fanout: Fanout[TrackedJob] = MemoryFanout() if fanout is None else fanout
        if lease_ttl_s is None:
            # Long enough to survive the slowest poll gap plus a slow vendor answer.
            lease_ttl_s = self._schedule.steady_delay * 2 + 30.0
        elif not lease_ttl_s > 0:
            raise ValueError(f"lease_ttl_s must be positive, got {lease_ttl_s!r}")
        self._lease_ttl_s = lease_ttl_s
        self._owner = uuid.uuid4().hex
        self._follows: dict[_Key, _Follow] = {}
        self._subscriptions: set[Subscription[TrackedJob]] = set()
        self._stats: OrderedDict[_Key, PollStats] = OrderedDict()
        self._closed = False
        # A store shared with other processes: the jobs a vanished process followed are adopted.
        self._abandoned = abandoned
        self._sweeper: asyncio.Task[None] | None = None
        self._start_sweeper()

    @property
    def schedule(self) -> PollSchedule:
        return self._schedule

    @property
    def timeout_s(self) -> float:
        return self._timeout_s

    async def track(self, job: Job) -> Job:
        """Register an accepted job and follow it to its final state; returns the registry's
        view of it (the stored state if that is further along).

        The vendor has accepted the job, so a shared store that cannot be reached does not fail
        this: the job is followed anyway and stored once the store is back.
        """
        self._start_sweeper()
        try:
            record = (await self._save(job)).record
        except StateStoreUnavailable:
            logger.warning(
                "job %s:%s accepted while the shared store is unavailable; following it anyway",
                job.vendor.value,
                job.job_id,
            )
            record = TrackedJob(job, 0)
        if not record.is_final:
            self._ensure_follow((job.vendor, job.job_id), record.job, pinned=True)
        return record.job

    async def get(self, vendor: Vendor, job_id: str) -> Job | None:
        record = await self._store.get(vendor, job_id)
        if record is not None:
            return record.job
        try:
            job = await self._fetch(vendor, job_id)
        except JobNotFound:
            return None
        if job.state.is_final:
            # Only final states are stored: an unfollowed running job would go stale.
            await self._save(job)
        return job

    async def watch(self, vendor: Vendor, job_id: str) -> AsyncGenerator[Job, None]:
        """Yield the job's current state, then every change, ending after a final state.

        Raises ``JobNotFound`` (before yielding anything) for a job nobody knows.
        """
        key = (vendor, job_id)
        self._start_sweeper()
        # Subscribe before reading, so no change published in between is missed.
        subscription = self._fanout.subscribe(job_topic(vendor, job_id))
        self._subscriptions.add(subscription)
        follow: _Follow | None = None
        try:
            record = await self._store.get(vendor, job_id)
            if record is None:
                record = (await self._save(await self._fetch(vendor, job_id))).record
            if not record.is_final:
                follow = self._ensure_follow(key, record.job, pinned=False)
                if follow is not None:
                    follow.watchers += 1
            yield record.job
            if record.is_final or self._closed:
                return
            last = record.revision
            async for update in subscription:
                if update.revision <= last:
                    continue
                last = update.revision
                yield update.job
                if update.is_final:
                    return
        finally:
            subscription.close()
            self._subscriptions.discard(subscription)
            if follow is not None:
                await self._release_watch(key, follow)

    def poll_count(self, vendor: Vendor, job_id: str) -> int:
        """Upstream job reads this process has sent for the job."""
        stats = self._stats.get((vendor, job_id))
        return stats.polls if stats else 0

    def poll_stats(self, vendor: Vendor, job_id: str) -> PollStats:
        stats = self._stats.get((vendor, job_id))
        return PollStats(stats.polls, stats.errors) if stats else PollStats()

    def stats(self) -> TrackerStats:
        follows = [f for f in self._follows.values() if not f.task.done()]
        return TrackerStats(
            pollers=len(follows),
            watchers=sum(f.watchers for f in follows),
            followed_for_writes=sum(1 for f in follows if f.pinned),
        )

    async def aclose(self) -> None:
        """Stop every poller and complete every watcher."""
        if self._closed:
            return
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        follows = list(self._follows.values())
        unfinished = [key for key, follow in self._follows.items() if follow.pinned]
        if unfinished:
            logger.warning(
                "shutting down with %d accepted job(s) still unfinished: %s",
                len(unfinished),
                ", ".join(f"{vendor.value}:{job_id}" for vendor, job_id in unfinished[:20]),
            )
        for follow in follows:
            follow.stopping = True
            follow.task.cancel()
        await asyncio.gather(*(f.task for f in follows), return_exceptions=True)
        for subscription in list(self._subscriptions):
            subscription.close()
        if self._owns_fanout:
            await self._fanout.aclose()

    # -- internals ---------------------------------------------------------------------------

    def _start_sweeper(self) -> None:
        """With a store shared by several processes, adopt the jobs a vanished process was
        following (nobody else would, if nobody watches them)."""
        if self._closed or self._abandoned is None:
            return
        if self._sweeper is not None and not self._sweeper.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # built outside the event loop: started by the first track or watch
        self._sweeper = loop.create_task(self._adopt_abandoned(), name="job-sweeper")

    async def _adopt_abandoned(self) -> None:
        store = self._abandoned
        assert store is not None  # started only with one
        while not self._closed:
            await asyncio.sleep(self._lease_ttl_s / 2)
            try:
                # Older than a lease: a live process renews its lease long before that.
                records = await store.abandoned(self._lease_ttl_s)
            except StateStoreUnavailable:
                continue
            except Exception:
                logger.exception("looking for abandoned jobs failed")
                continue
            for record in records:
                key = (record.job.vendor, record.job.job_id)
                follow = self._follows.get(key)
                if follow is not None and not follow.task.done():
                    continue
                logger.warning(
                    "following job %s:%s, whose gateway process went away", *_key_of(record.job)
                )
                self._ensure_follow(key, record.job, pinned=True)

    async def _fetch(self, vendor: Vendor, job_id: str) -> Job:
        backend = self._backends.get(vendor)
        if backend is None:
            raise JobNotFound(f"No job {job_id!r} is known for {vendor.value}.", vendor=vendor)
        # A synchronous vendor's adapter answers from the job id itself (signed), so its jobs
        # stay readable when the registry lost them (a Redis restart without persistence).
        return await backend.get_job(job_id)

    async def _save(self, job: Job) -> SaveResult:
        result = await self._store.save(job)
        if result.changed:
            try:
                await self._fanout.publish(job_topic(job.vendor, job.job_id), result.record)
            except StateStoreUnavailable:
                # Stored but not announced: watchers elsewhere are ended by their own lost
                # connection; the change must still reach on_change here.
                logger.warning("job %s:%s changed but could not be announced", *_key_of(job))
        return result

    async def _apply(self, job: Job) -> TrackedJob:
        """A poller saw ``job``: store it, fan it out and report it if it changed.

        The order the adapter read with it goes to ``on_change`` only (the read cache), never
        into the registry or to watchers."""
        read = job.order_read
        if read is not None:
            job = dataclasses.replace(job, order_read=None)
        result = await self._save(job)
        if result.changed:
            changed = result.record.job
            if read is not None:
                changed = dataclasses.replace(changed, order_read=read)
            await self._notify_change(changed)
        return result.record

    def _ensure_follow(self, key: _Key, job: Job, *, pinned: bool) -> _Follow | None:
        if self._closed:
            return None
        follow = self._follows.get(key)
        if follow is not None and not follow.stopping and not follow.task.done():
            follow.pinned = follow.pinned or pinned
            return follow
        stats = self._stats.pop(key, None) or PollStats()
        self._stats[key] = stats
        while len(self._stats) > _MAX_STATS:
            self._stats.popitem(last=False)
        backend = self._backends.get(key[0])
        poller = JobPoller(
            job,
            backend=backend,
            store=self._store,
            owner=self._owner,
            schedule=self._schedule,
            timeout_s=self._timeout_s,
            lease_ttl_s=self._lease_ttl_s,
            stats=stats,
            apply=self._apply,
            on_error=self._notify_error,
        )
        follow = _Follow(pinned=pinned)
        follow.task = asyncio.get_running_loop().create_task(
            self._run_follow(key, poller), name=f"job-poller:{key[0].value}:{key[1]}"
        )
        follow.task.add_done_callback(lambda _: self._drop_follow(key, follow))
        self._follows[key] = follow
        if backend is None:
            logger.warning("%s: %s job %s has no backend", VENDOR_NOT_CONFIGURED, *key)
        return follow

    async def _release_watch(self, key: _Key, follow: _Follow) -> None:
        follow.watchers -= 1
        if follow.watchers > 0 or follow.pinned or follow.task.done():
            return
        follow.stopping = True
        follow.task.cancel()
        if not self._closed:
            # Nobody follows this job any more: drop a running state that would go stale.
            # A watcher arriving meanwhile is unharmed: its poller keeps its own last state.
            with contextlib.suppress(StateStoreUnavailable):
                await self._store.forget_unfinished(*key)

    async def _run_follow(self, key: _Key, poller: JobPoller) -> None:
        try:
            # A write's job polls go ahead of reads, and of new writes, in the vendor budget.
            with vendor_call_priority(VendorCallPriority.JOB):
                await poller.run()
        except Exception:
            logger.exception("poller of job %s:%s crashed", key[0].value, key[1])

    def _drop_follow(self, key: _Key, follow: _Follow) -> None:
        # A done callback, not a finally: a task cancelled before it started never runs its body.
        if self._follows.get(key) is follow:
            del self._follows[key]

    async def _notify_change(self, job: Job) -> None:
        if self._on_change is None:
            return
        try:
            await self._on_change(job)
        except Exception:
            logger.exception("on_change hook failed for job %s:%s", job.vendor.value, job.job_id)

    async def _notify_error(self, job: Job, exc: Exception) -> None:
        logger.warning(
            "polling job %s:%s failed, will retry: %s", job.vendor.value, job.job_id, exc
        )
        if self._on_error is None:
            return
        try:
            await self._on_error(job, exc)
        except Exception:
            logger.exception("on_error hook failed for job %s:%s", job.vendor.value, job.job_id)


def _key_of(job: Job) -> tuple[str, str]:
    return job.vendor.value, job.job_id


__all__ = ["JobTracker", "TrackerStats", "failed", "job_topic"]
