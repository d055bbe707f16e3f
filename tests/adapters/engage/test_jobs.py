"""Engage job answers → domain jobs."""

from __future__ import annotations

import httpx
import pytest

from adapters.engage.jobs import job_from_response
from adapters.errors import BadVendorResponse, JobNotFound
from adapters.model import JobOperation, JobState

BODY = {
    "jobId": "j-1",
    "orderId": "A-1",
    "href": "http://x/api/v3/orders/jobs/j-1",
    "createdAt": "2025-03-01T10:00:00Z",
    "updatedAt": "2025-03-01T10:00:01Z",
    "warnings": [],
    "errors": [],
}


def test_accepted_write_is_pending_with_the_operation_we_sent() -> None:
    job = job_from_response(
        httpx.Response(202, json={"jobId": "j-1", "status": "Pending", "orderId": "A-1"}),
        operation=JobOperation.CREATE,
    )
    assert (job.job_id, job.vendor_job_id, job.state, job.operation) == (
        "j-1",
        "j-1",
        JobState.PENDING,
        JobOperation.CREATE,
    )
    assert job.finished_at is None


def test_running_job() -> None:
    job = job_from_response(
        httpx.Response(200, json={**BODY, "status": "Processing", "operation": "Replace"})
    )
    assert job.state is JobState.RUNNING and job.operation is JobOperation.REPLACE


def test_302_is_done_with_version_tag_and_warnings() -> None:
    body = {
        **BODY,
        "status": "CompletedWithErrors",
        "operation": "Create",
        "versionTag": "AAAAAAAAB9E=",
        "completedAt": "2025-03-01T10:00:02Z",
        "warnings": [{"code": "ContactMissing", "message": "Contact is missing"}],
    }
    job = job_from_response(
        httpx.Response(302, json=body, headers={"location": "/api/v3/orders/A-1"})
    )
    assert job.state is JobState.COMPLETED_WITH_ERRORS
    assert job.version_tag == "AAAAAAAAB9E="
    assert [(w.code, w.message) for w in job.warnings] == [
        ("CONTACT_MISSING", "Contact is missing")
    ]
    assert job.finished_at is not None


def test_finished_delete_answers_200() -> None:
    job = job_from_response(
        httpx.Response(200, json={**BODY, "status": "Completed", "operation": "Delete"})
    )
    assert job.state is JobState.COMPLETED and job.operation is JobOperation.DELETE


def test_lost_create_race_is_failed_with_already_exists() -> None:
    body = {
        **BODY,
        "type": "about:blank",
        "title": "Order already exists",
        "errorCode": "OrderAlreadyExists",
        "status": "Failed",
        "operation": "Create",
        "errors": [{"code": "OrderAlreadyExists", "message": "Order already exists"}],
    }
    job = job_from_response(httpx.Response(409, json=body))
    assert job.state is JobState.FAILED
    assert [e.code for e in job.errors] == ["ORDER_ALREADY_EXISTS"]


def test_failed_job_with_field_errors_translates_paths() -> None:
    body = {
        **BODY,
        "status": "Failed",
        "operation": "Replace",
        "errors": [
            {"code": "Invalid", "message": "bad sku", "field": "lineItems.items[0].article.sku"}
        ],
    }
    job = job_from_response(httpx.Response(422, json=body))
    assert job.errors[0].field == ("lines", "0", "sku")


def test_unknown_job_and_garbage() -> None:
    with pytest.raises(JobNotFound):
        job_from_response(httpx.Response(404, json={"errorCode": "JobNotFound"}), job_id="nope")
    with pytest.raises(BadVendorResponse):
        job_from_response(httpx.Response(200, text="<html>"))
    with pytest.raises(BadVendorResponse):
        job_from_response(httpx.Response(500, json={**BODY, "status": "Completed"}))


def test_a_status_word_engage_does_not_document_means_still_running() -> None:
    job = job_from_response(
        httpx.Response(200, json={**BODY, "status": "Sleeping", "operation": "Create"})
    )
    assert job.state is JobState.RUNNING and not job.state.is_final


def test_a_bare_302_is_completed_for_the_order_its_location_names() -> None:
    job = job_from_response(
        httpx.Response(302, headers={"location": "http://x/api/v3/orders/A%2F1"}),
        job_id="j-1",
        operation=JobOperation.CREATE,
    )
    assert (job.state, job.order_id, job.version_tag) == (JobState.COMPLETED, "A/1", None)
    assert job.finished_at is not None and job.errors == ()


def test_completed_with_errors_always_lists_an_error() -> None:
    job = job_from_response(
        httpx.Response(200, json={"jobId": "j-1", "status": "CompletedWithErrors"}),
        operation=JobOperation.CREATE,
        order_id="A-1",
    )
    assert job.state is JobState.COMPLETED_WITH_ERRORS
    assert [e.code for e in job.errors] == ["CONTACT_MISSING"]


@pytest.mark.parametrize("status", [409, 422, 400])
def test_a_bare_problem_from_the_job_endpoint_is_a_failed_job(status: int) -> None:
    problem = {"type": "about:blank", "title": "x", "status": status, "detail": "it broke"}
    job = job_from_response(
        httpx.Response(status, json=problem), job_id="j-1", operation=JobOperation.REPLACE
    )
    assert job.state is JobState.FAILED and job.job_id == "j-1"
    expected = "ORDER_ALREADY_EXISTS" if status == 409 else "JOB_FAILED"
    assert [(e.code, e.message) for e in job.errors] == [(expected, "Engage: it broke")]


def test_an_accept_with_only_the_documented_keys_is_pending() -> None:
    body = {"jobId": "j-2", "status": "Accepted", "orderId": "A-1", "href": "http://x/jobs/j-2"}
    job = job_from_response(
        httpx.Response(201, json=body), operation=JobOperation.CREATE, accepted_write=True
    )
    assert (job.state, job.job_id, job.order_id) == (JobState.PENDING, "j-2", "A-1")
