"""Jobs for a vendor that answers synchronously: born finished, remembered for a while.

ECDP has no job resource, so the adapter mints the id (uuid4 hex) and keeps the last
``capacity`` jobs so ``get_job`` can answer for them; older ones raise ``JobNotFound`` (the
gateway keeps its own record of every job it hands out).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime

from adapters.errors import JobNotFound
from adapters.model import Job, JobMessage, JobOperation, JobState, Vendor


class FinishedJobs:
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def mint(
        self, operation: JobOperation, order_id: str, warnings: Sequence[JobMessage] = ()
    ) -> Job:
        now = datetime.now(UTC)
        job = Job(
            vendor=Vendor.EXPERTSENDER,
            job_id=uuid.uuid4().hex,
            operation=operation,
            state=JobState.COMPLETED,
            order_id=order_id,
            created_at=now,
            updated_at=now,
            finished_at=now,
            warnings=tuple(warnings),
        )
        self._jobs[job.job_id] = job
        while len(self._jobs) > self._capacity:
            self._jobs.popitem(last=False)
        return job

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(
                f"ExpertSender job {job_id!r} is unknown (its jobs finish at once and only the"
                f" last {self._capacity} are remembered)",
                vendor=Vendor.EXPERTSENDER,
            )
        return job
