"""ECDP problem-details answers → ``adapters.errors``.

The body is ``{type, title, status, substatus, detail, instance, errors[]}`` (seed, §4). The
vendor's ``errors`` strings are kept verbatim as ``vendor_messages``; those shaped
``"<path>: <message>"`` also become ``FieldError``s on the gateway's field names. ``instance``
(a request path) is never put in a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.errors import (
    AlreadyExists,
    BadVendorResponse,
    ContactNotFound,
    FieldError,
    NotFound,
    OrderNotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
    VendorError,
    VendorUnavailable,
)
from adapters.expertsender.inferred import (
    ERROR_STRING,
    SUBSTATUS_ALREADY_EXISTS,
    SUBSTATUS_CUSTOMER_NOT_FOUND,
    SUBSTATUS_ORDER_NOT_FOUND,
)
from adapters.expertsender.paths import vendor_to_domain
from adapters.model import Vendor
from adapters.transport import response_json

_VENDOR = Vendor.EXPERTSENDER


@dataclass(frozen=True, slots=True)
class Problem:
    status: int
    title: str | None = None
    detail: str | None = None
    substatus: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        parts = [p for p in (self.title, self.detail) if p]
        return ": ".join(parts) if parts else f"HTTP {self.status}"


def read_problem(response: httpx.Response) -> Problem:
    """Whatever of the problem body can be read; a body that is not one still gives a Problem."""
    try:
        body: Any = response_json(response)
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        return Problem(response.status_code)
    raw_errors = body.get("errors")
    return Problem(
        status=response.status_code,
        title=_text(body.get("title")),
        detail=_text(body.get("detail")),
        substatus=_text(body.get("substatus")),
        errors=_messages(raw_errors),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _messages(raw: object) -> tuple[str, ...]:
    # §4 expects strings; an ASP.NET field→messages map is flattened the same way.
    if isinstance(raw, list):
        return tuple(str(item) for item in raw)
    if isinstance(raw, Mapping):
        return tuple(f"{key}: {message}" for key, values in raw.items() for message in values)
    return ()


def field_errors(
    messages: Sequence[str], line_of_product: Sequence[int] = ()
) -> tuple[FieldError, ...]:
    found: list[FieldError] = []
    for message in messages:
        match = ERROR_STRING.match(message)
        if match is None:
            continue
        path = vendor_to_domain(match["path"], line_of_product)
        if path is not None:
            found.append(FieldError(path=path, message=match["message"]))
    return tuple(found)


def to_error(
    response: httpx.Response,
    *,
    not_found: type[NotFound] = OrderNotFound,
    line_of_product: Sequence[int] = (),
) -> VendorError:
    """The exception for a non-success answer. ``not_found`` is the 404 the caller expects when
    the vendor's substatus does not say which thing is missing."""
    problem = read_problem(response)
    status = problem.status
    common: dict[str, Any] = {
        "vendor": _VENDOR,
        "upstream_status": status,
        "substatus": problem.substatus,
        "vendor_messages": problem.errors,
    }
    if status == 400 and problem.substatus == SUBSTATUS_ALREADY_EXISTS:
        return AlreadyExists(f"ExpertSender: {problem.summary}", **common)
    if status in (400, 413, 422):
        return ValidationFailed(
            f"ExpertSender rejected the request: {problem.summary}",
            field_errors=field_errors(problem.errors, line_of_product),
            **common,
        )
    if status == 404:
        kind: type[NotFound] = not_found
        if problem.substatus == SUBSTATUS_ORDER_NOT_FOUND:
            kind = OrderNotFound
        elif problem.substatus == SUBSTATUS_CUSTOMER_NOT_FOUND:
            kind = ContactNotFound
        return kind(f"ExpertSender: {problem.summary}", **common)
    if status in (401, 403):
        return Unauthorized(f"ExpertSender refused the API key: {problem.summary}", **common)
    if status == 429:
        return RateLimited(
            f"ExpertSender is rate limiting: {problem.summary}",
            retry_after=_retry_after(response),
            **common,
        )
    if status >= 500:
        return VendorUnavailable(f"ExpertSender failed: {problem.summary}", **common)
    return BadVendorResponse(f"ExpertSender answered unexpectedly: {problem.summary}", **common)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def unreadable(what: str, response: httpx.Response) -> BadVendorResponse:
    return BadVendorResponse(
        f"ExpertSender answered {what} with an unreadable body",
        vendor=_VENDOR,
        upstream_status=response.status_code,
    )
