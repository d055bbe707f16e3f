"""The poll loop of one job: ask the vendor on a schedule until the job is final.

A poller never hangs and never gives up silently: upstream errors are reported and retried on
the schedule (never sooner than a rate-limited vendor's Retry-After), a vendor that no longer
knows the job ends it FAILED, and a job still unfinished at the deadline ends FAILED with
``JOB_TIMEOUT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.backend import Backend
from adapters.errors import JobNotFound, RateLimited
from adapters.model import Job, JobMessage, JobState
from adapters.transport import Deadline, vendor_call_deadline
from gateway.errors import StateStoreUnavailable
from gateway.jobs.paths import with_input_paths
from gateway.jobs.schedule import PollSchedule
from gateway.jobs.store import JobStore, TrackedJob

JOB_TIMEOUT = "JOB_TIMEOUT"
VENDOR_NOT_CONFIGURED = "VENDOR_NOT_CONFIGURED"
# Pause before trying a shared job store again that could not be reached.
STORE_RETRY_S = 0.5


@dataclass(slots=True)
class PollStats:
    """What the poller of one job did: upstream job reads sent, and how many of them failed."""

    polls: int = 0
    errors: int = 0


def failed(job: Job, code: str, message: str) -> Job:
    """``job`` ended FAILED by the gateway, with one more error saying why."""
    now = datetime.now(UTC)
    return dataclasses.replace(
        job,
        state=JobState.FAILED,
        errors=(*job.errors, JobMessage(code=code, message=message)),
        updated_at=now,
        finished_at=now,
    )


class JobPoller:
    """Follows one job until it is final, the deadline passes, or the task is cancelled.

    ``apply`` stores a new state and fans it out; ``on_error`` hears about every upstream
    failure. In standby (another process holds the lease) the poller only watches the store,
    and takes over if that process stops renewing its lease.
    """

    def __init__(
        self,
        job: Job,
        *,
        backend: Backend | None,
        store: JobStore,
        owner: str,
        schedule: PollSchedule,
        timeout_s: float,
        lease_ttl_s: float,
        stats: PollStats,
        apply: Callable[[Job], Awaitable[TrackedJob]],
        on_error: Callable[[Job, Exception], Awaitable[None]],
    ) -> None:
        self._last = job
        self._backend = backend
        self._store = store
        self._owner = owner
        self._schedule = schedule
        self._timeout_s = timeout_s
        self._lease_ttl_s = lease_ttl_s
        self._stats = stats
        self._apply = apply
        self._on_error = on_error
        # Loop time before which the vendor asked (Retry-After) not to be polled again.
        self._quiet_until = 0.0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout_s
        attempt = 0
        vendor, job_id = self._last.vendor, self._last.job_id
        try:
            while True:
                now = loop.time()
                remaining = deadline - now
                if remaining > 0:
                    delay = max(self._schedule.delay(attempt), self._quiet_until - now)
                    await asyncio.sleep(min(delay, remaining))
                    attempt += 1
                try:
                    if await self._step(deadline):
                        return
                except StateStoreUnavailable:
                    # A shared store that is down: keep the job and store it once it is back.
                    await asyncio.sleep(STORE_RETRY_S)
        finally:
            # If the store is down the lease lapses by itself.
            with contextlib.suppress(StateStoreUnavailable):
                await self._store.release_poller(vendor, job_id, self._owner)

    async def _step(self, deadline: float) -> bool:
        """One look at the store and, holding the lease, one poll; True once the job is over."""
        vendor, job_id = self._last.vendor, self._last.job_id
        record = await self._store.get(vendor, job_id)
        if record is not None:
            if record.is_final:
                return True
            self._last = record.job
        if asyncio.get_running_loop().time() >= deadline:
            await self._end(
                JOB_TIMEOUT,
                f"The job did not finish within {self._timeout_s:g} s; "
                "the gateway stopped following it.",
            )
            return True
        if not await self._store.claim_poller(vendor, job_id, self._owner, self._lease_ttl_s):
            return False
        job = await self._poll_once(deadline)
        return job is not None and (await self._apply(job)).is_final

    async def _poll_once(self, deadline: float) -> Job | None:
        last = self._last
        if self._backend is None:
            return failed(
                last,
                VENDOR_NOT_CONFIGURED,
                f"No backend is configured for {last.vendor}, so the job cannot be followed.",
            )
        self._stats.polls += 1
        # A poll queues for the vendor budget until the job's own deadline, not until that of
        # the request that started the job (long answered by now).
        left_s = deadline - asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout_at(deadline):
                with vendor_call_deadline(Deadline.after(left_s)):
                    job = await self._backend.get_job(last.job_id, known=last)
        except JobNotFound as exc:
            return failed(last, JobNotFound.code, f"The vendor no longer knows this job: {exc}")
        except TimeoutError:
            # The deadline passed mid-call; the loop ends the job with JOB_TIMEOUT.
            return None
        except Exception as exc:
            self._stats.errors += 1
            if isinstance(exc, RateLimited) and exc.retry_after:
                self._quiet_until = asyncio.get_running_loop().time() + exc.retry_after
            await self._on_error(last, exc)
            return None
        if (job.vendor, job.job_id) != (last.vendor, last.job_id):
            # The registry is keyed by the id the job was accepted under; keep it.
            job = dataclasses.replace(job, vendor=last.vendor, job_id=last.job_id)
        job = with_input_paths(job, last)
        self._last = job
        return job

    async def _end(self, code: str, message: str) -> None:
        await self._apply(failed(self._last, code, message))
