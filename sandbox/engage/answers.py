"""Engage answers whose shape the vendor leaves open, drawn from the chosen ``Variants``.

``docs/vendor-assumptions.md`` lists each open question; ``sandbox.variants`` names the options.
The endpoints call these helpers for job bodies, job answers and accepted writes; error
documents are reshaped afterwards by ``problem_rewrite`` (see ``sandbox.rewrite``).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox.control import SandboxJSONResponse
from sandbox.engage import inferred
from sandbox.engage.problems import problem
from sandbox.engage.store import Job
from sandbox.rewrite import ProblemRewrite
from sandbox.variants import Variants

# Seed 001 names these keys of a job answer; everything else in our job body is invented.
DOCUMENTED_JOB_KEYS = ("jobId", "status", "orderId", "href")
# Words for a running job when the variant says the vendor does not use ours.
OTHER_RUNNING_WORDS = {inferred.JOB_PENDING: "Queued", inferred.JOB_PROCESSING: "InProgress"}
# The invented header a variant carries the versionTag in (instead of the order body).
VERSION_TAG_HEADER = "ETag"
CONTACTS_PREFIX = "/api/v3/contacts"


def job_body(job: Job, href: str, variants: Variants) -> dict[str, Any]:
    body = job.to_json(href)
    if variants.engage_running_words == "other":
        body["status"] = OTHER_RUNNING_WORDS.get(job.status, job.status)
    if variants.engage_job_keys == "documented":
        body = {key: body[key] for key in DOCUMENTED_JOB_KEYS}
    return body


def accepted(job: Job, href: str, variants: Variants) -> Response:
    """A write's acceptance: 201 or 202, with or without `Location`."""
    status = 201 if variants.engage_accept == "201" else inferred.ACCEPTED_STATUS
    headers = {"Location": href} if variants.engage_accept == "202_location" else None
    return SandboxJSONResponse(job_body(job, href, variants), status_code=status, headers=headers)


def action_accepted(job: Job, href: str, variants: Variants) -> Response:
    """Seed 003 documents a bare 202 for an accepted action."""
    if variants.engage_action_accept == "empty":
        return Response(status_code=inferred.ACCEPTED_STATUS)
    return accepted(job, href, variants)


def job_answer(job: Job, href: str, order_url: str, variants: Variants) -> Response:
    """What `GET /api/v3/orders/jobs/{jobId}` answers for a known job."""
    if job.status == inferred.JOB_FAILED:
        return _failed(job, href, variants)
    body = job_body(job, href, variants)
    if not job.is_final:
        return SandboxJSONResponse(body)
    done = variants.engage_job_done
    if job.status == inferred.JOB_COMPLETED_WITH_ERRORS:
        # Seed 001: the job says CompletedWithErrors in its status, so that answer has a body.
        if done == "302_with_job":
            return SandboxJSONResponse(body, status_code=302, headers={"Location": order_url})
        return SandboxJSONResponse(body)
    if done == "bare_302":
        return Response(status_code=302, headers={"Location": order_url})
    if done == "200_completed" or job.operation == "Delete":
        return SandboxJSONResponse(body)
    return SandboxJSONResponse(body, status_code=302, headers={"Location": order_url})


def _failed(job: Job, href: str, variants: Variants) -> Response:
    if job.failure_code == inferred.ORDER_ALREADY_EXISTS:
        status, title = 409, "Order already exists"
    else:
        status, title = inferred.JOB_FAILED_STATUS, "The job could not be processed"
    if variants.engage_failed_job == "bare_problem":
        return problem(status, None, title)
    # The problem carries the job fields, and its `status` is the job state ("Failed"), not
    # the HTTP status.
    failed: dict[str, Any] = {"type": "about:blank", "title": title, "detail": title}
    failed[inferred.ERROR_CODE_KEY] = job.failure_code
    return SandboxJSONResponse(
        {**failed, **job_body(job, href, variants)},
        status_code=status,
        media_type=inferred.PROBLEM_MEDIA_TYPE,
    )


def order_answer(order: dict[str, Any], variants: Variants) -> Response:
    """A stored order; the versionTag in its body or only in a header."""
    if variants.engage_version_tag == "header":
        tag = order.pop("versionTag", None)
        headers = {VERSION_TAG_HEADER: f'"{tag}"'} if tag else None
        return SandboxJSONResponse(order, headers=headers)
    return SandboxJSONResponse(order)


def listed_order(order: dict[str, Any], variants: Variants) -> dict[str, Any]:
    if variants.engage_version_tag == "header":
        order.pop("versionTag", None)
    return order


def problem_rewrite(variants: Variants) -> ProblemRewrite:
    bare = variants.engage_error_codes == "bare"
    strings = variants.engage_validation_errors == "strings"

    def rewrite(path: str, document: dict[str, Any]) -> dict[str, Any]:
        if path.startswith(CONTACTS_PREFIX):
            # §7: the contact look-up codes (ContactNotFound, MultipleMatches, ...) are documented.
            return document
        if bare and "jobId" not in document:
            document.pop(inferred.ERROR_CODE_KEY, None)
        errors = document.get("errors")
        if strings and isinstance(errors, list) and "jobId" not in document:
            document["errors"] = [_as_string(item) for item in errors]
        return document

    return rewrite


def _as_string(item: object) -> object:
    if not isinstance(item, dict):
        return item
    message = str(item.get("message") or item.get("code") or "invalid")
    field = item.get("field")
    return f"{field}: {message}" if field else message
