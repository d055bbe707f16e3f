from datetime import UTC, datetime, timedelta

import pytest

from adapters.model import Job, JobMessage, JobOperation, JobState, LogEntry, LogSeverity, Vendor
from gateway.errors import InvalidRecord, UserErrorInfo
from gateway.idempotency import MutationOutcome
from gateway.jobs.store import TrackedJob
from gateway.redis.codec import JOB_CODEC, LOG_ENTRY_CODEC, OUTCOME_CODEC, TRACKED_JOB_CODEC

NOW = datetime(2025, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
JOB = Job(
    vendor=Vendor.ENGAGE,
    job_id="j-1",
    operation=JobOperation.ACTION,
    state=JobState.COMPLETED_WITH_ERRORS,
    order_id="o-1",
    created_at=NOW,
    updated_at=NOW + timedelta(seconds=2),
    vendor_job_id="vj-1",
    version_tag="v7",
    errors=(JobMessage("E1", "broken", ("lines", "0", "sku")),),
    warnings=(JobMessage("W1", "dropped"),),
    finished_at=NOW + timedelta(seconds=3),
)


def test_jobs_round_trip_exactly() -> None:
    assert JOB_CODEC.decode(JOB_CODEC.encode(JOB)) == JOB
    record = TrackedJob(JOB, 42)
    assert TRACKED_JOB_CODEC.decode(TRACKED_JOB_CODEC.encode(record)) == record


def test_log_entries_round_trip_with_their_details() -> None:
    entry = LogEntry(
        entry_id="1-abc",
        at=NOW,
        severity=LogSeverity.WARNING,
        code="C",
        message="m ✓",
        vendor=Vendor.EXPERTSENDER,
        order_id="o",
        job_id="j",
        contact_id="c",
        details={"field": ["input", "order"], "n": 3, "nested": {"ok": True}},
    )
    assert LOG_ENTRY_CODEC.decode(LOG_ENTRY_CODEC.encode(entry)) == entry


@pytest.mark.parametrize(
    "outcome",
    [
        MutationOutcome(JOB),
        MutationOutcome(None, (UserErrorInfo("ORDER_ALREADY_EXISTS", "exists", ("input", "id")),)),
        MutationOutcome(None, (UserErrorInfo("X", "no field"),)),
    ],
)
def test_mutation_outcomes_round_trip(outcome: MutationOutcome) -> None:
    assert OUTCOME_CODEC.decode(OUTCOME_CODEC.encode(outcome)) == outcome


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"vendor": "NOPE"}', b"{}"])
def test_foreign_bytes_are_a_typed_error(data: bytes) -> None:
    with pytest.raises(InvalidRecord):
        JOB_CODEC.decode(data)
