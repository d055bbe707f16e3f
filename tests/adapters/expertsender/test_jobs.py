import re

import pytest

from adapters.errors import JobNotFound
from adapters.expertsender.jobs import FinishedJobs
from adapters.model import JobMessage, JobOperation, JobState, Vendor


def test_minted_jobs_are_finished_and_remembered() -> None:
    jobs = FinishedJobs(capacity=2)
    warning = JobMessage("FIELD_NOT_SUPPORTED", "no place", ("channel",))
    job = jobs.mint(JobOperation.CREATE, "o-1", [warning])
    assert re.fullmatch(r"[0-9a-f]{32}", job.job_id)
    assert (job.vendor, job.state, job.order_id) == (Vendor.EXPERTSENDER, JobState.COMPLETED, "o-1")
    assert job.state.is_final
    assert job.warnings == (warning,)
    assert job.created_at == job.updated_at == job.finished_at
    assert jobs.get(job.job_id) is job


def test_only_the_latest_jobs_are_kept() -> None:
    jobs = FinishedJobs(capacity=2)
    first, second, third = (jobs.mint(JobOperation.DELETE, f"o-{i}") for i in range(3))
    assert len({first.job_id, second.job_id, third.job_id}) == 3
    assert jobs.get(third.job_id) is third and jobs.get(second.job_id) is second
    with pytest.raises(JobNotFound) as caught:
        jobs.get(first.job_id)
    assert caught.value.vendor is Vendor.EXPERTSENDER
