"""What this process remembers of the Engage jobs it started or steered, bounded in size and age.

Engage's own job answer does not say everything the caller was promised: which operation a job
runs, the warnings the adapter added, that a lost create race was turned into a replace under a
new vendor job, that a write was confirmed by a read (a job Engage never had). Apart from the
writes because each of them, and every job read, keeps or consults the same notes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cachetools import TTLCache

from adapters.model import Job, JobMessage, JobOperation

_BOOKKEEPING_SIZE = 10_000
_BOOKKEEPING_TTL_S = 3_600.0


@dataclasses.dataclass(frozen=True, slots=True)
class Fallback:
    """An ADD_OR_REPLACE create that may still lose a race; replaced with this body if so."""

    order_id: str
    body: dict[str, Any]


class JobBook:
    def __init__(self) -> None:
        self.warnings: TTLCache[str, tuple[JobMessage, ...]] = _bookkeeping()
        self.fallbacks: TTLCache[str, Fallback] = _bookkeeping()
        self.aliases: TTLCache[str, str] = _bookkeeping()
        self.confirmed: TTLCache[str, Job] = _bookkeeping()
        self.pending: TTLCache[str, str] = _bookkeeping()  # order id → our latest job id
        # vendor job id → (operation, order id) of the jobs this process started
        self.started: TTLCache[str, tuple[JobOperation, str]] = _bookkeeping()
        # Creates that may repeat a landed earlier attempt: job id → the body sent.
        self.repeats: TTLCache[str, dict[str, Any]] = _bookkeeping()

    def started_job(self, job: Job) -> Job:
        self.started[job.vendor_job_id or job.job_id] = (job.operation, job.order_id)
        return job

    def remember(self, job: Job) -> Job:
        self.confirmed[job.job_id] = job
        return job

    def track(self, job: Job, warnings: tuple[JobMessage, ...]) -> Job:
        if warnings:
            self.warnings[job.job_id] = warnings
        if not job.state.is_final:
            self.pending[job.order_id] = job.job_id
        return self.present(job.job_id, job)

    def present(self, job_id: str, job: Job) -> Job:
        """The job under the id the caller knows, with the adapter's own warnings added."""
        ours = self.warnings.get(job_id, ())
        extra = tuple(w for w in ours if w not in job.warnings)
        if job.state.is_final and self.pending.get(job.order_id) == job_id:
            del self.pending[job.order_id]
        return dataclasses.replace(job, job_id=job_id, warnings=(*job.warnings, *extra))


def _bookkeeping() -> TTLCache[str, Any]:
    return TTLCache(maxsize=_BOOKKEEPING_SIZE, ttl=_BOOKKEEPING_TTL_S)
