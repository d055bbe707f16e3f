from typing import Any

import httpx
import pytest

from adapters import errors
from adapters.expertsender.errors import field_errors, read_problem, to_error
from adapters.model import Vendor


def problem(status: int, substatus: str | None = None, **extra: Any) -> httpx.Response:
    body = {
        "type": "https://tools.ietf.org/html/rfc7231",
        "title": "Bad things",
        "status": status,
        "detail": "details here",
        "instance": "/orders/secret-path",
        **extra,
    }
    if substatus is not None:
        body["substatus"] = substatus
    return httpx.Response(status, json=body)


def test_validation_keeps_vendor_messages_and_translates_paths() -> None:
    messages = [
        "data[0].products[1].name: The field name must be at most 2048 characters.",
        "data[0].customer.crmId: too long",
        "data[0].mystery: what",
        "no path in this one",
    ]
    error = to_error(
        problem(400, "OrderInvalidModelState", errors=messages), line_of_product=(0, 3)
    )
    assert isinstance(error, errors.ValidationFailed)
    assert error.vendor is Vendor.EXPERTSENDER
    assert error.upstream_status == 400
    assert error.substatus == "OrderInvalidModelState"
    assert error.vendor_messages == tuple(messages)
    assert error.field_errors == (
        errors.FieldError(
            ("lines", "3", "name"), "The field name must be at most 2048 characters."
        ),
        errors.FieldError(("contact", "externalId"), "too long"),
    )
    assert "secret-path" not in error.message


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (problem(400, "OrderAlreadyExists"), errors.AlreadyExists),
        (problem(404, "OrderNotFound"), errors.OrderNotFound),
        (problem(404, "CustomerNotFound"), errors.ContactNotFound),
        (problem(401, "InvalidApiKey"), errors.Unauthorized),
        (problem(403), errors.Unauthorized),
        (problem(413), errors.ValidationFailed),
        (problem(500), errors.VendorUnavailable),
        (problem(503), errors.VendorUnavailable),
        (problem(418), errors.BadVendorResponse),
        (httpx.Response(502, text="<html>gateway</html>"), errors.VendorUnavailable),
    ],
)
def test_each_answer_maps_to_its_exception(response: httpx.Response, kind: type) -> None:
    error = to_error(response)
    assert type(error) is kind
    assert error.upstream_status == response.status_code


def test_a_404_without_substatus_is_the_kind_the_caller_expects() -> None:
    assert type(to_error(problem(404))) is errors.OrderNotFound
    assert type(to_error(problem(404), not_found=errors.ContactNotFound)) is errors.ContactNotFound


def test_429_carries_retry_after() -> None:
    response = httpx.Response(429, headers={"Retry-After": "3"}, json={"title": "Slow down"})
    error = to_error(response)
    assert isinstance(error, errors.RateLimited)
    assert error.retry_after == 3.0


def test_a_body_that_is_not_a_problem_still_gives_a_problem() -> None:
    assert read_problem(httpx.Response(400, text="nope")).summary == "HTTP 400"
    assert read_problem(httpx.Response(400, json=["x"])).errors == ()


def test_an_aspnet_error_map_is_flattened() -> None:
    found = read_problem(httpx.Response(400, json={"errors": {"Data[0].Id": ["Required"]}}))
    assert found.errors == ("Data[0].Id: Required",)
    assert field_errors(found.errors) == (errors.FieldError(("orderId",), "Required"),)


def test_status_change_paths() -> None:
    assert field_errors(["orderStatus: unknown status"]) == (
        errors.FieldError(("status",), "unknown status"),
    )
