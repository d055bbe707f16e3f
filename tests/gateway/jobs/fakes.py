"""A scripted vendor for tracker unit tests: it answers ``get_job`` from a script of states.

Only the job endpoint is real here; the tracker calls nothing else. The end-to-end tests run the
tracker against the Engage emulator instead.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.backend import Capabilities
from adapters.errors import JobNotFound
from adapters.model import Job, JobOperation, JobState, Vendor

Step = JobState | Exception


def make_job(
    job_id: str = "job-1", state: JobState = JobState.PENDING, vendor: Vendor = Vendor.ENGAGE
) -> Job:
    now = datetime.now(UTC)
    return Job(
        vendor=vendor,
        job_id=job_id,
        operation=JobOperation.CREATE,
        state=state,
        order_id="order-1",
        created_at=now,
        updated_at=now,
        vendor_job_id=job_id,
    )


class ScriptedJobBackend:
    """Each ``get_job`` call takes the next step of the job's script (the last one repeats).

    A step is a state (answered as the job in that state) or an exception (raised).
    Unknown jobs raise ``JobNotFound``, as the adapter does on the vendor's 404.
    """

    def __init__(self, *, vendor: Vendor = Vendor.ENGAGE, async_jobs: bool = True) -> None:
        self._vendor = vendor
        self._capabilities = Capabilities(
            actions=True,
            list_by_contact=True,
            change_delivery=False,
            async_jobs=async_jobs,
            batch_get=False,
        )
        self.scripts: dict[str, list[Step]] = {}
        self.calls: dict[str, list[float]] = {}
        self.delay_s = 0.0

    @property
    def vendor(self) -> Vendor:
        return self._vendor

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    def script(self, job_id: str, steps: Sequence[Step]) -> None:
        self.scripts[job_id] = list(steps)

    def call_count(self, job_id: str) -> int:
        return len(self.calls.get(job_id, ()))

    async def get_job(self, job_id: str, *, known: Job | None = None) -> Job:
        self.calls.setdefault(job_id, []).append(asyncio.get_running_loop().time())
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        steps = self.scripts.get(job_id)
        if not steps:
            raise JobNotFound(f"Job {job_id} not found", vendor=self._vendor, upstream_status=404)
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(step, Exception):
            raise step
        job = make_job(job_id, step, self._vendor)
        if step.is_final:
            job = dataclasses.replace(job, finished_at=job.updated_at, version_tag=f"v-{job_id}")
        return job

    async def aclose(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        # Every other Backend call is outside what the tracker may use.
        raise AttributeError(f"the tracker must not call Backend.{name}")
