from datetime import UTC, datetime

from adapters.model import Job, JobMessage, JobOperation, JobState, LogSeverity, Vendor
from gateway.log import LogFilter, MemoryIntegrationLog
from gateway.log.outcomes import JobOutcomeRecorder

NOW = datetime(2025, 5, 1, tzinfo=UTC)


def _job(state: JobState, warnings: tuple[JobMessage, ...] = ()) -> Job:
    return Job(
        vendor=Vendor.ENGAGE,
        job_id="j1",
        operation=JobOperation.CREATE,
        state=state,
        order_id="A-1",
        created_at=NOW,
        updated_at=NOW,
        warnings=warnings,
    )


async def test_each_warning_and_the_outcome_are_recorded_once() -> None:
    log = MemoryIntegrationLog()
    recorder = JobOutcomeRecorder(log)
    warning = JobMessage("ContactMissing", "Contact is missing", ("input", "order", "contact"))
    recorder.record(_job(JobState.RUNNING))
    recorder.record(_job(JobState.COMPLETED_WITH_ERRORS, (warning,)))
    recorder.record(_job(JobState.COMPLETED_WITH_ERRORS, (warning,)))
    entries = (await log.query(LogFilter(), 50, None)).entries
    assert [(e.severity, e.code) for e in reversed(entries)] == [
        (LogSeverity.WARNING, "ContactMissing"),
        (LogSeverity.WARNING, "JOB_COMPLETED_WITH_ERRORS"),
    ]
    assert entries[1].details["field"] == ["input", "order", "contact"]
    assert all(e.job_id == "j1" and e.order_id == "A-1" for e in entries)


async def test_failed_jobs_are_errors() -> None:
    log = MemoryIntegrationLog()
    JobOutcomeRecorder(log).record(_job(JobState.FAILED))
    [entry] = (await log.query(LogFilter(), 50, None)).entries
    assert entry.severity is LogSeverity.ERROR and entry.code == "JOB_FAILED"
