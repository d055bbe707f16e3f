"""The job registry: the last known state of every job the gateway follows.

``JobStore`` is the interface; ``MemoryJobStore`` serves one process, and a Redis store lets
several gateway processes share jobs. The store also hands out a short poller lease per job so
that, across processes, only one of them polls the vendor for a given job.

Every saved change gets a revision from one store-wide increasing sequence. Watchers compare
revisions to skip what they already saw, which stays correct even if a record is forgotten and
saved again later.
"""

from __future__ import annotations

import itertools
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from adapters.model import Job, JobState, Vendor

DEFAULT_MAX_FINISHED = 10_000


@dataclass(frozen=True, slots=True)
class TrackedJob:
    """A job as the registry holds it, with the revision of its last change."""

    job: Job
    revision: int

    @property
    def is_final(self) -> bool:
        return self.job.state.is_final


@dataclass(frozen=True, slots=True)
class SaveResult:
    record: TrackedJob
    changed: bool


_STATE_RANK = {
    JobState.PENDING: 0,
    JobState.RUNNING: 1,
    JobState.COMPLETED: 2,
    JobState.COMPLETED_WITH_ERRORS: 2,
    JobState.FAILED: 2,
}


def _substance(job: Job) -> tuple[object, ...]:
    # updated_at alone is not a change a client needs to hear about.
    return (
        job.state,
        job.version_tag,
        job.errors,
        job.warnings,
        job.finished_at,
        job.vendor_job_id,
        job.order_id,
        job.operation,
    )


def supersedes(new: Job, old: Job) -> bool:
    """Whether ``new`` should replace ``old`` in the registry.

    A final state is never replaced, and a job never moves back (a stale PENDING copy
    arriving after RUNNING is ignored); otherwise any change of substance wins.
    """
    if old.state.is_final:
        return False
    if _STATE_RANK[new.state] < _STATE_RANK[old.state]:
        return False
    return _substance(new) != _substance(old)


class JobRecords(Protocol):
    """What a job store's storage does: read a record, and write one only if the stored record
    is still the one the writer read (compare-and-set on the revision)."""

    async def get(self, vendor: Vendor, job_id: str) -> TrackedJob | None: ...

    async def put_if(self, job: Job, expected_revision: int | None) -> TrackedJob | None:
        """Store ``job`` with a new revision if the stored record still has
        ``expected_revision`` (None: no record); None when another writer came first."""
        ...


class JobStore(JobRecords, Protocol):
    async def save(self, job: Job) -> SaveResult:
        """Store ``job`` if it ``supersedes`` the stored one (or none is stored)."""
        ...

    async def forget_unfinished(self, vendor: Vendor, job_id: str) -> None:
        """Drop the record unless it is final (nobody follows it any more, so it would go
        stale)."""
        ...

    async def claim_poller(self, vendor: Vendor, job_id: str, owner: str, ttl_s: float) -> bool:
        """Take or renew the poller lease for a job; False while another owner holds it."""
        ...

    async def release_poller(self, vendor: Vendor, job_id: str, owner: str) -> None: ...

    async def aclose(self) -> None: ...


async def save_superseding(records: JobRecords, job: Job) -> SaveResult:
    """``JobStore.save`` for any storage: store ``job`` if it ``supersedes`` what is stored,
    deciding again whenever another writer saved in between."""
    while True:
        current = await records.get(job.vendor, job.job_id)
        if current is not None and not supersedes(job, current.job):
            return SaveResult(current, changed=False)
        saved = await records.put_if(job, None if current is None else current.revision)
        if saved is not None:
            return SaveResult(saved, changed=True)


class AbandonedJobs(Protocol):
    """What a store shared by several processes adds: jobs whose process went away."""

    async def abandoned(self, older_than_s: float) -> list[TrackedJob]:
        """Unfinished jobs that nobody holds the poller lease of and that nobody has saved for
        ``older_than_s`` seconds: the process that followed them is gone."""
        ...


_Key = tuple[Vendor, str]


class MemoryJobStore:
    """In-process registry. Unfinished jobs are kept until they end (their pollers end them
    by a timeout at the latest); finished ones are kept up to ``max_finished``, oldest
    dropped first."""

    def __init__(self, *, max_finished: int = DEFAULT_MAX_FINISHED) -> None:
        if max_finished < 1:
            raise ValueError("max_finished must be at least 1")
        self._max_finished = max_finished
        self._active: dict[_Key, TrackedJob] = {}
        self._finished: OrderedDict[_Key, TrackedJob] = OrderedDict()
        self._leases: dict[_Key, tuple[str, float]] = {}
        self._revisions = itertools.count(1)

    def __len__(self) -> int:
        return len(self._active) + len(self._finished)

    async def get(self, vendor: Vendor, job_id: str) -> TrackedJob | None:
        key = (vendor, job_id)
        return self._active.get(key) or self._finished.get(key)

    async def save(self, job: Job) -> SaveResult:
        return await save_superseding(self, job)

    async def put_if(self, job: Job, expected_revision: int | None) -> TrackedJob | None:
        key = (job.vendor, job.job_id)
        current = self._active.get(key) or self._finished.get(key)
        if (None if current is None else current.revision) != expected_revision:
            return None
        record = TrackedJob(job, next(self._revisions))
        if record.is_final:
            self._active.pop(key, None)
            self._finished[key] = record
            while len(self._finished) > self._max_finished:
                self._finished.popitem(last=False)
        else:
            self._active[key] = record
        return record

    async def forget_unfinished(self, vendor: Vendor, job_id: str) -> None:
        self._active.pop((vendor, job_id), None)

    async def claim_poller(self, vendor: Vendor, job_id: str, owner: str, ttl_s: float) -> bool:
        key = (vendor, job_id)
        now = time.monotonic()
        holder = self._leases.get(key)
        if holder is not None and holder[0] != owner and holder[1] > now:
            return False
        self._leases[key] = (owner, now + ttl_s)
        return True

    async def release_poller(self, vendor: Vendor, job_id: str, owner: str) -> None:
        key = (vendor, job_id)
        holder = self._leases.get(key)
        if holder is not None and holder[0] == owner:
            del self._leases[key]

    async def aclose(self) -> None:
        self._leases.clear()
