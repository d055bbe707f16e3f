"""Engage job answers (§2.2, §2.6, §5) → the domain ``Job``, keyed on documented signals.

What Engage documents, and all this module relies on:

- an accepted write answers 2xx (the docs say both "201 Accepted" and 202) with ``jobId``,
  ``status``, ``orderId`` and ``href``;
- the job endpoint answers ``302`` with ``Location`` → the order once the change is stored,
  ``200`` with ``status: Completed`` (seed 001) or ``CompletedWithErrors`` (contact missing);
- a job that cannot be processed answers an error: ``409`` for a create that lost a race, some
  other 4xx otherwise.

Everything else (a body on the 302, ``operation``, ``versionTag``, ``warnings``, ``errors``,
timestamps, the words for a running job, ``errorCode``) is read when present, never required.
A 2xx job answer whose ``status`` is none of the documented final words is still running.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from adapters.engage import inferred, paths
from adapters.engage.errors import read_problem
from adapters.errors import BadVendorResponse, JobNotFound
from adapters.model import Job, JobMessage, JobOperation, JobState, Vendor
from adapters.transport import response_json

# Seed 001: CompletedWithErrors means the order's contact does not exist in Engage.
CONTACT_MISSING = "CONTACT_MISSING"
CONTACT_MISSING_MESSAGE = (
    "Engage finished the job CompletedWithErrors, which its documentation gives for an order "
    "whose contact does not exist; the order is stored without a contact"
)
JOB_FAILED = "JOB_FAILED"


def job_from_response(
    response: httpx.Response,
    *,
    operation: JobOperation | None = None,
    order_id: str | None = None,
    job_id: str | None = None,
    accepted_write: bool = False,
) -> Job:
    """A job from a write's acceptance (``accepted_write``) or from the job endpoint.

    ``operation``, ``order_id`` and ``job_id`` fill in what the answer leaves out (Engage
    documents neither an ``operation`` nor a body on the finished job's 302). 404 raises
    ``JobNotFound``.
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
    body = _body(response)
    job_id = str(body.get("jobId") or "") or _job_id_from(body, response) or job_id
    if not job_id:
        raise BadVendorResponse(
            f"Engage answered HTTP {status} without a job id",
            vendor=Vendor.ENGAGE,
            upstream_status=status,
        )
    if status == 302:
        state = _done_state(body)
        order_id = order_id or _order_id_from(response.headers.get("Location"))
    elif 400 <= status < 500:
        state = JobState.FAILED
    elif 200 <= status < 300:
        state = _reported_state(body, JobState.PENDING if accepted_write else JobState.RUNNING)
    else:
        raise BadVendorResponse(
            f"Engage answered HTTP {status} for a job", vendor=Vendor.ENGAGE, upstream_status=status
        )
    # Engage documents no operation on a job: a job nobody here started may stay UNKNOWN.
    op = (
        inferred.JOB_OPERATIONS.get(str(body.get("operation") or ""))
        or operation
        or JobOperation.UNKNOWN
    )
    now = datetime.now(UTC)
    created = _moment(body.get("createdAt")) or now
    updated = _moment(body.get("updatedAt")) or created
    warnings = _messages(body.get("warnings"))
    errors = _messages(body.get("errors"))
    if state is JobState.FAILED and not errors:
        errors = (_failure(response, body),)
    if state is JobState.COMPLETED_WITH_ERRORS and not errors:
        # The job must say what went wrong; Engage documents one cause for this state.
        errors = tuple(w for w in warnings if w.code == CONTACT_MISSING) or (
            JobMessage(CONTACT_MISSING, CONTACT_MISSING_MESSAGE),
        )
    finished = _moment(body.get("completedAt"))
    if finished is None and state.is_final:
        finished = updated if body.get("updatedAt") else now
    tag = body.get("versionTag")
    return Job(
        vendor=Vendor.ENGAGE,
        job_id=job_id,
        vendor_job_id=job_id,
        operation=op,
        state=state,
        order_id=str(body.get("orderId") or order_id or ""),
        created_at=created,
        updated_at=updated,
        version_tag=str(tag) if isinstance(tag, str | int) and tag != "" else None,
        errors=errors,
        warnings=warnings,
        finished_at=finished,
    )


def _body(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object; an empty body (a bare 302 or 202) is an empty object."""
    if not response.content.strip():
        return {}
    try:
        body = response_json(response)
    except ValueError:
        if response.status_code == 302 or response.status_code >= 400:
            return {}
        raise BadVendorResponse(
            f"Engage answered HTTP {response.status_code} with a body that is not JSON",
            vendor=Vendor.ENGAGE,
            upstream_status=response.status_code,
        ) from None
    if not isinstance(body, dict):
        if response.status_code == 302 or response.status_code >= 400:
            return {}
        raise BadVendorResponse(
            f"Engage answered HTTP {response.status_code} with a job that is not an object",
            vendor=Vendor.ENGAGE,
            upstream_status=response.status_code,
        )
    return body


def _done_state(body: dict[str, Any]) -> JobState:
    """302: the change is stored; a body that says CompletedWithErrors is believed."""
    said = inferred.JOB_STATES.get(str(body.get("status") or ""))
    return (
        JobState.COMPLETED_WITH_ERRORS
        if said is JobState.COMPLETED_WITH_ERRORS
        else (JobState.COMPLETED)
    )


def _reported_state(body: dict[str, Any], unknown: JobState) -> JobState:
    said = inferred.JOB_STATES.get(str(body.get("status") or ""))
    if said is None:
        # Only the final words are documented; any other word means the job still runs.
        return unknown
    return said


def _failure(response: httpx.Response, body: dict[str, Any]) -> JobMessage:
    problem = read_problem(response)
    if response.status_code == 409:
        return JobMessage("ORDER_ALREADY_EXISTS", f"Engage: {problem.detail}")
    code = body.get(inferred.ERROR_CODE_KEY)
    known = inferred.WARNING_CODES.get(str(code)) if code else None
    return JobMessage(known or JOB_FAILED, f"Engage: {problem.detail}")


def _messages(raw: object) -> tuple[JobMessage, ...]:
    if not isinstance(raw, list):
        return ()
    found: list[JobMessage] = []
    for item in raw:
        if isinstance(item, dict):
            found.append(_message(item))
        elif isinstance(item, str) and item:
            found.append(JobMessage(code=JOB_FAILED, message=item))
    return tuple(found)


def _message(item: dict[str, Any]) -> JobMessage:
    code = str(item.get("code") or "UNKNOWN")
    field = item.get("field")
    return JobMessage(
        code=inferred.WARNING_CODES.get(code, code),
        message=str(item.get("message") or code),
        field=paths.to_domain(field) if isinstance(field, str) else None,
    )


def _job_id_from(body: dict[str, Any], response: httpx.Response) -> str | None:
    """The job id at the end of ``href`` (documented) or of a job ``Location``."""
    for url in (body.get("href"), response.headers.get("Location")):
        if not isinstance(url, str):
            continue
        path = urlsplit(url).path
        prefix, _, tail = path.rpartition("/jobs/")
        if prefix and tail and "/" not in tail:
            return unquote(tail)
    return None


def _order_id_from(location: str | None) -> str | None:
    """The order a finished job's ``Location`` points at (``/api/v3/orders/{orderId}``)."""
    if not location:
        return None
    path = urlsplit(location).path
    prefix, _, tail = path.rpartition("/orders/")
    return unquote(tail) if prefix and tail and "/" not in tail else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
