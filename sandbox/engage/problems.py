"""Engage-style error answers (§6 of the vendor note, shape chosen in `inferred`)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

from sandbox.engage import inferred


def problem(
    status: int,
    error_code: str | None,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if error_code is not None:
        body[inferred.ERROR_CODE_KEY] = error_code
    body.update(extra)
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers=dict(headers or {}),
        media_type=inferred.PROBLEM_MEDIA_TYPE,
    )


def validation_problem(errors: list[dict[str, str]]) -> Response:
    return problem(
        400,
        inferred.VALIDATION_FAILED,
        "The request body is not a valid order document.",
        errors=errors,
    )


def fault_response(status: int, retry_after_s: int | None) -> Response:
    """Answers for injected faults, in the same problem shape as the rest of the API."""
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else None
    code = inferred.TOO_MANY_REQUESTS if status == 429 else None
    return problem(status, code, "Injected by the sandbox", headers=headers)
