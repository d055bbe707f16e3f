"""Engage job answers (§2.2, §2.6, §5) → the domain ``Job``.

An accepted write (any 2xx with a ``jobId``) is PENDING; the job endpoint answers 200 while the
job runs (and for a finished delete), 302 with the job body when it is done, 409 when a create
lost a race to another create, 422 for other failures.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from adapters.engage import inferred, paths
from adapters.engage.errors import read_json, read_problem
from adapters.errors import BadVendorResponse, JobNotFound
from adapters.model import Job, JobMessage, JobOperation, JobState, Vendor


def job_from_response(
    response: httpx.Response,
    *,
    operation: JobOperation | None = None,
    order_id: str | None = None,
    job_id: str | None = None,
) -> Job:
    """A job from a write's acceptance or from the job endpoint.

    ``operation`` and ``order_id`` fill in what the body leaves out (an accept answer has no
    ``operation``). 404 raises ``JobNotFound``.
    """
    status = response.status_code
    if status == 404:
        problem = read_problem(response)
        raise JobNotFound(
            f"Job {job_id} was not found (Engage: {problem.detail})",
            vendor=Vendor.ENGAGE,
            upstream_status=404,
            substatus=problem.error_code,
            vendor_messages=problem.vendor_messages,
        )
    body = read_json(response)
    if not isinstance(body, dict) or not body.get("jobId"):
        raise BadVendorResponse(
            f"Engage answered HTTP {status} without a job",
            vendor=Vendor.ENGAGE,
            upstream_status=status,
        )
    failed = status in (409, 422)
    if not (200 <= status < 300 or status == 302 or failed):
        raise BadVendorResponse(
            f"Engage answered HTTP {status} for a job", vendor=Vendor.ENGAGE, upstream_status=status
        )
    return _job(body, status, failed, operation, order_id)


def _job(
    body: dict[str, Any],
    http_status: int,
    failed: bool,
    operation: JobOperation | None,
    order_id: str | None,
) -> Job:
    vendor_state = str(body.get("status") or "")
    state = inferred.JOB_STATES.get(vendor_state)
    if failed:
        state = JobState.FAILED
    elif state is None:
        if http_status != 302:
            raise BadVendorResponse(
                f"Engage sent a job in an unknown state {vendor_state!r}", vendor=Vendor.ENGAGE
            )
        state = JobState.COMPLETED
    op = inferred.JOB_OPERATIONS.get(str(body.get("operation") or "")) or operation
    if op is None:
        raise BadVendorResponse("Engage sent a job without an operation", vendor=Vendor.ENGAGE)
    now = datetime.now(UTC)
    created = _moment(body.get("createdAt")) or now
    updated = _moment(body.get("updatedAt")) or created
    errors = tuple(_message(item) for item in body.get("errors") or () if isinstance(item, dict))
    if failed and not errors:
        code = body.get(inferred.ERROR_CODE_KEY)
        errors = (
            JobMessage(
                inferred.WARNING_CODES.get(str(code), str(code or "JOB_FAILED")),
                str(body.get("detail") or body.get("title") or "The job failed"),
            ),
        )
    finished = _moment(body.get("completedAt"))
    if finished is None and state.is_final:
        finished = updated
    job_id = str(body["jobId"])
    return Job(
        vendor=Vendor.ENGAGE,
        job_id=job_id,
        vendor_job_id=job_id,
        operation=op,
        state=state,
        order_id=str(body.get("orderId") or order_id or ""),
        created_at=created,
        updated_at=updated,
        version_tag=None if body.get("versionTag") is None else str(body["versionTag"]),
        errors=errors,
        warnings=tuple(
            _message(item) for item in body.get("warnings") or () if isinstance(item, dict)
        ),
        finished_at=finished,
    )


def _message(item: dict[str, Any]) -> JobMessage:
    code = str(item.get("code") or "UNKNOWN")
    field = item.get("field")
    return JobMessage(
        code=inferred.WARNING_CODES.get(code, code),
        message=str(item.get("message") or code),
        field=paths.to_domain(field) if isinstance(field, str) else None,
    )


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
