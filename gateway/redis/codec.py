"""JSON forms of what several gateway processes share: jobs, log entries, mutation outcomes.

Plain JSON (not pickle): any process version can read what another wrote, an operator can read
it with ``redis-cli``, and a record cannot execute code when loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

import orjson

from adapters.model import Job, JobMessage, JobOperation, JobState, LogEntry, LogSeverity, Vendor
from gateway.errors import InvalidRecord, UserErrorInfo
from gateway.idempotency import MutationOutcome
from gateway.jobs import TrackedJob

T = TypeVar("T")


class Codec(Protocol[T]):
    def encode(self, value: T) -> bytes: ...

    def decode(self, data: bytes) -> T: ...


class JsonCodec(Generic[T]):
    """A codec from a pair of functions to and from JSON-compatible values."""

    def __init__(self, to_json: Callable[[T], Any], from_json: Callable[[Any], T]) -> None:
        self._to_json = to_json
        self._from_json = from_json

    def encode(self, value: T) -> bytes:
        return orjson.dumps(self._to_json(value), default=str)

    def decode(self, data: bytes) -> T:
        try:
            return self._from_json(orjson.loads(data))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidRecord(f"not a stored record: {exc}") from None


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _message_json(message: JobMessage) -> dict[str, Any]:
    return {
        "code": message.code,
        "message": message.message,
        "field": list(message.field) if message.field is not None else None,
    }


def _message(data: dict[str, Any]) -> JobMessage:
    field = data.get("field")
    return JobMessage(
        code=str(data["code"]),
        message=str(data["message"]),
        field=tuple(str(part) for part in field) if field is not None else None,
    )


def job_json(job: Job) -> dict[str, Any]:
    return {
        "vendor": job.vendor.value,
        "jobId": job.job_id,
        "operation": job.operation.value,
        "state": job.state.value,
        "orderId": job.order_id,
        "createdAt": _time(job.created_at),
        "updatedAt": _time(job.updated_at),
        "vendorJobId": job.vendor_job_id,
        "versionTag": job.version_tag,
        "errors": [_message_json(m) for m in job.errors],
        "warnings": [_message_json(m) for m in job.warnings],
        "finishedAt": _time(job.finished_at),
    }


def job_of(data: dict[str, Any]) -> Job:
    created = _parse_time(data["createdAt"])
    updated = _parse_time(data["updatedAt"])
    if created is None or updated is None:
        raise ValueError("a job needs createdAt and updatedAt")
    return Job(
        vendor=Vendor(data["vendor"]),
        job_id=str(data["jobId"]),
        operation=JobOperation(data["operation"]),
        state=JobState(data["state"]),
        order_id=str(data["orderId"]),
        created_at=created,
        updated_at=updated,
        vendor_job_id=data.get("vendorJobId"),
        version_tag=data.get("versionTag"),
        errors=tuple(_message(m) for m in data.get("errors", ())),
        warnings=tuple(_message(m) for m in data.get("warnings", ())),
        finished_at=_parse_time(data.get("finishedAt")),
    )


def log_entry_json(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.entry_id,
        "at": _time(entry.at),
        "severity": entry.severity.value,
        "code": entry.code,
        "message": entry.message,
        "vendor": entry.vendor.value if entry.vendor is not None else None,
        "orderId": entry.order_id,
        "jobId": entry.job_id,
        "contactId": entry.contact_id,
        "details": entry.details,
    }


def log_entry_of(data: dict[str, Any]) -> LogEntry:
    at = _parse_time(data["at"])
    if at is None:
        raise ValueError("a log entry needs a time")
    vendor = data.get("vendor")
    details = data.get("details") or {}
    if not isinstance(details, dict):
        raise ValueError("log entry details must be an object")
    return LogEntry(
        entry_id=str(data["id"]),
        at=at,
        severity=LogSeverity(data["severity"]),
        code=str(data["code"]),
        message=str(data["message"]),
        vendor=Vendor(vendor) if vendor is not None else None,
        order_id=data.get("orderId"),
        job_id=data.get("jobId"),
        contact_id=data.get("contactId"),
        details=details,
    )


def outcome_json(outcome: MutationOutcome) -> dict[str, Any]:
    return {
        "job": job_json(outcome.job) if outcome.job is not None else None,
        "errors": [
            {
                "code": error.code,
                "message": error.message,
                "field": list(error.field) if error.field is not None else None,
            }
            for error in outcome.errors
        ],
    }


def outcome_of(data: dict[str, Any]) -> MutationOutcome:
    job = data.get("job")
    errors = tuple(
        UserErrorInfo(
            code=str(error["code"]),
            message=str(error["message"]),
            field=tuple(str(p) for p in error["field"]) if error.get("field") is not None else None,
        )
        for error in data.get("errors", ())
    )
    return MutationOutcome(job_of(job) if job is not None else None, errors)


def tracked_job_json(record: TrackedJob) -> dict[str, Any]:
    return {"job": job_json(record.job), "revision": record.revision}


def tracked_job_of(data: dict[str, Any]) -> TrackedJob:
    return TrackedJob(job_of(data["job"]), int(data["revision"]))


JOB_CODEC: Codec[Job] = JsonCodec(job_json, job_of)
TRACKED_JOB_CODEC: Codec[TrackedJob] = JsonCodec(tracked_job_json, tracked_job_of)
LOG_ENTRY_CODEC: Codec[LogEntry] = JsonCodec(log_entry_json, log_entry_of)
OUTCOME_CODEC: Codec[MutationOutcome] = JsonCodec(outcome_json, outcome_of)
