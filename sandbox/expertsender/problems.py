"""Problem-details answers in the vendor's shape (ASP.NET ProblemDetails plus ``substatus``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response

from sandbox.expertsender import inferred


def problem(
    status: int,
    substatus: str,
    detail: str,
    instance: str,
    *,
    errors: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": inferred.PROBLEM_TYPES.get(status, "about:blank"),
        "title": inferred.PROBLEM_TITLES.get(status, "Error"),
        "status": status,
        "substatus": substatus,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = list(errors)
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers=dict(headers or {}),
        media_type=inferred.PROBLEM_MEDIA_TYPE,
    )


def validation_problem(errors: Sequence[str], instance: str, substatus: str) -> Response:
    return problem(400, substatus, "; ".join(errors), instance, errors=errors)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
