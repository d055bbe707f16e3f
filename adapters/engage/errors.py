"""Engage's error answers (problem+json, §6) → ``adapters.errors``, the vendor's words kept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import httpx

from adapters.engage import inferred, paths
from adapters.errors import (
    AlreadyExists,
    AmbiguousContact,
    BadVendorResponse,
    ContactNotFound,
    FieldError,
    JobNotFound,
    NoContact,
    NotFound,
    OrderNotFound,
    Unauthorized,
    ValidationFailed,
    VendorError,
    VersionConflict,
)
from adapters.model import Vendor
from adapters.transport import response_json

_NOT_FOUND: dict[str, type[NotFound] | type[VersionConflict]] = {
    inferred.ORDER_NOT_FOUND: OrderNotFound,
    inferred.JOB_NOT_FOUND: JobNotFound,
    inferred.CONTACT_NOT_FOUND: ContactNotFound,
    inferred.VERSION_TAG_MISMATCH: VersionConflict,
}


@dataclass(frozen=True, slots=True)
class Problem:
    status: int
    error_code: str | None
    detail: str
    field_errors: tuple[FieldError, ...]

    @property
    def vendor_messages(self) -> tuple[str, ...]:
        return (self.detail, *(f.message for f in self.field_errors))


def read_json(response: httpx.Response) -> Any:
    try:
        return response_json(response)
    except ValueError:
        raise BadVendorResponse(
            f"Engage answered HTTP {response.status_code} with a body that is not JSON",
            vendor=Vendor.ENGAGE,
            upstream_status=response.status_code,
        ) from None


def read_problem(response: httpx.Response) -> Problem:
    """Whatever Engage said about a failure; a body that is not a problem still yields one."""
    try:
        body = response_json(response)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    detail = body.get("detail") or body.get("title") or body.get("message")
    code = body.get(inferred.ERROR_CODE_KEY)
    field_errors: list[FieldError] = []
    raw_errors = body.get("errors")
    for item in raw_errors if isinstance(raw_errors, list) else ():
        if isinstance(item, str) and item:
            # §6: the shape of "a list of errors" is not documented; a "<field>: <message>"
            # string is read as such, any other string kept as the message.
            field, sep, message = item.partition(": ")
            path = paths.to_domain(field) if sep and " " not in field else None
            field_errors.append(FieldError(path=path or (), message=message if path else item))
            continue
        if not isinstance(item, dict):
            continue
        path = paths.to_domain(item.get("field") if isinstance(item.get("field"), str) else None)
        field_errors.append(
            FieldError(
                path=path or (),
                message=str(item.get("message") or item.get("code") or "invalid"),
                code=None if item.get("code") is None else str(item["code"]),
            )
        )
    return Problem(
        status=response.status_code,
        error_code=None if code is None else str(code),
        detail=str(detail) if detail else f"HTTP {response.status_code}",
        field_errors=tuple(field_errors),
    )


def error_for(
    response: httpx.Response,
    *,
    subject: str,
    not_found: type[NotFound] = OrderNotFound,
) -> VendorError:
    """The exception for a 4xx answer about ``subject`` (e.g. ``"order A-1"``)."""
    problem = read_problem(response)
    common: dict[str, Any] = {
        "vendor": Vendor.ENGAGE,
        "upstream_status": problem.status,
        "substatus": problem.error_code,
        "vendor_messages": problem.vendor_messages,
    }
    status, code = problem.status, problem.error_code
    said = f"Engage: {problem.detail}"
    if status in (401, 403):
        return Unauthorized(
            f"Engage refused the gateway's API key (HTTP {status})",
            vendor=Vendor.ENGAGE,
            upstream_status=status,
            substatus=code,
        )
    if status == 404:
        cls = _NOT_FOUND.get(code or "", not_found)
        if cls is VersionConflict:
            return VersionConflict(
                f"The versionTag is not the current one of {subject} ({said})", **common
            )
        return cls(f"{subject[0].upper()}{subject[1:]} was not found ({said})", **common)
    if status == 409:
        if code == inferred.MULTIPLE_MATCHES:
            return AmbiguousContact(f"More than one contact matches ({said})", **common)
        return AlreadyExists(f"{subject[0].upper()}{subject[1:]} already exists ({said})", **common)
    if status == 422 and code == inferred.ORDER_HAS_NO_CONTACT:
        return NoContact(f"{subject[0].upper()}{subject[1:]} has no contact ({said})", **common)
    if status < 500 and status != 429:
        return ValidationFailed(
            f"Engage refused the request for {subject} ({said})",
            field_errors=problem.field_errors,
            **common,
        )
    return BadVendorResponse(f"Engage answered HTTP {status} unexpectedly ({said})", **common)


def raise_for(
    response: httpx.Response, *, subject: str, not_found: type[NotFound] = OrderNotFound
) -> NoReturn:
    raise error_for(response, subject=subject, not_found=not_found)
