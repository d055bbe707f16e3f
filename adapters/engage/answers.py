"""How the Engage adapter reads answers whose details the vendor leaves open (§2.3, §2.7).

Each helper keys on what Engage documents (the HTTP status, ``Location``, documented fields) and
reads anything else only when present.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from adapters.engage.errors import read_problem
from adapters.errors import NoContact, OrderNotFound, VersionConflict
from adapters.model import Job, JobMessage, JobOperation, JobState, Vendor
from adapters.transport import response_json

ACCEPTED_PREFIX = "accepted-"
ACTION_ACCEPTED = JobMessage(
    "ACTION_ACCEPTED",
    "Engage accepted the action (HTTP 202) without a job to follow; accepted is the last word "
    "Engage gives on an action",
)
VERSION_TAG_FROM_ORDER = JobMessage(
    "VERSION_TAG_READ_FROM_ORDER",
    "Engage's job answer carried no versionTag, so it was read from the order (the tag of the "
    "order's latest processed version)",
)
# Where a versionTag may travel besides the order body; neither header is documented.
VERSION_TAG_HEADERS = ("versionTag", "ETag")


def names_a_job(response: httpx.Response) -> bool:
    """Whether an accept answer gives a job to follow (a ``jobId``, or a job ``Location``)."""
    if "/jobs/" in response.headers.get("Location", ""):
        return True
    if not response.content.strip():
        return False
    try:
        body = response_json(response)
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("jobId") or body.get("href"))


def accepted_action(order_id: str) -> Job:
    now = datetime.now(UTC)
    return Job(
        vendor=Vendor.ENGAGE,
        job_id=f"{ACCEPTED_PREFIX}{uuid.uuid4()}",
        operation=JobOperation.ACTION,
        state=JobState.COMPLETED,
        order_id=order_id,
        created_at=now,
        updated_at=now,
        warnings=(ACTION_ACCEPTED,),
        finished_at=now,
    )


def action_not_found(
    response: httpx.Response, order_id: str, *, order_exists: bool
) -> OrderNotFound | VersionConflict:
    """§2.7: an action's 404 means the order is unknown or the versionTag is stale."""
    problem = read_problem(response)
    common: dict[str, Any] = {
        "vendor": Vendor.ENGAGE,
        "upstream_status": 404,
        "substatus": problem.error_code,
        "vendor_messages": problem.vendor_messages,
    }
    if order_exists:
        return VersionConflict(
            f"The versionTag is not the current one of order {order_id} (Engage: {problem.detail})",
            **common,
        )
    return OrderNotFound(f"Order {order_id} was not found (Engage: {problem.detail})", **common)


def action_refused(response: httpx.Response, order_id: str) -> NoContact:
    """§2.7: an action's 422 means the order has no contact."""
    problem = read_problem(response)
    return NoContact(
        f"Order {order_id} has no contact (Engage: {problem.detail})",
        vendor=Vendor.ENGAGE,
        upstream_status=422,
        substatus=problem.error_code,
        vendor_messages=problem.vendor_messages,
    )


def with_header_version_tag(stored: dict[str, Any], response: httpx.Response) -> dict[str, Any]:
    """The order, its versionTag taken from a header when the body has none."""
    if stored.get("versionTag"):
        return stored
    for name in VERSION_TAG_HEADERS:
        raw = response.headers.get(name)
        if raw:
            tag = raw.strip().removeprefix("W/").strip('"')
            if tag:
                return {**stored, "versionTag": tag}
    return stored


__all__ = [
    "ACCEPTED_PREFIX",
    "ACTION_ACCEPTED",
    "VERSION_TAG_FROM_ORDER",
    "accepted_action",
    "action_not_found",
    "action_refused",
    "names_a_job",
    "with_header_version_tag",
]
