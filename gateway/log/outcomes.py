"""Turns what jobs report into integration-log entries, once each.

A job is seen many times (its write, every poll, a replayed idempotent retry), so each warning,
error and final outcome is recorded the first time it appears only.
"""

from __future__ import annotations

from cachetools import LRUCache

from adapters.errors import VendorError
from adapters.model import Job, JobMessage, JobState, LogSeverity
from gateway.errors import GatewayError
from gateway.log.base import IntegrationLog

_OUTCOME_SEVERITY = {
    JobState.COMPLETED: LogSeverity.INFO,
    JobState.COMPLETED_WITH_ERRORS: LogSeverity.WARNING,
    JobState.FAILED: LogSeverity.ERROR,
}


class JobOutcomeRecorder:
    def __init__(self, log: IntegrationLog, *, memory: int = 50_000) -> None:
        self._log = log
        self._seen: LRUCache[tuple[object, ...], bool] = LRUCache(maxsize=memory)

    def _first_time(self, key: tuple[object, ...]) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = True
        return True

    def _message(self, job: Job, severity: LogSeverity, kind: str, message: JobMessage) -> None:
        if not self._first_time((job.vendor, job.job_id, kind, message.code, message.message)):
            return
        details: dict[str, object] = {"operation": job.operation.value}
        if message.field:
            details["field"] = list(message.field)
        self._log.record(
            severity,
            message.code,
            message.message,
            vendor=job.vendor,
            order_id=job.order_id,
            job_id=job.job_id,
            details=details,
        )

    def record(self, job: Job) -> None:
        for warning in job.warnings:
            self._message(job, LogSeverity.WARNING, "warning", warning)
        for error in job.errors:
            self._message(job, LogSeverity.ERROR, "error", error)
        if job.state.is_final and self._first_time((job.vendor, job.job_id, "final")):
            self._log.record(
                _OUTCOME_SEVERITY[job.state],
                f"JOB_{job.state.value}",
                f"{job.operation.value} of order {job.order_id} ended {job.state.value}",
                vendor=job.vendor,
                order_id=job.order_id,
                job_id=job.job_id,
                details={
                    "operation": job.operation.value,
                    "warnings": len(job.warnings),
                    "errors": len(job.errors),
                },
            )

    def poll_failed(self, job: Job, error: Exception) -> None:
        """A poll of a vendor job failed; the poller retries on its schedule."""
        status: int | None = None
        if isinstance(error, VendorError | GatewayError):
            code, status = error.code, error.upstream_status
        else:
            code = type(error).__name__
        details: dict[str, object] = {"operation": job.operation.value, "error": code}
        if status is not None:
            details["upstreamStatus"] = status
        self._log.record(
            LogSeverity.WARNING,
            "JOB_POLL_FAILED",
            f"Polling job {job.job_id} of order {job.order_id} failed ({code}); retrying",
            vendor=job.vendor,
            order_id=job.order_id,
            job_id=job.job_id,
            details=details,
        )
