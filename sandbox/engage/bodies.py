"""Reading a JSON request body with a size cap: every failure is a typed error, never a crash."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from sandbox.engage import inferred
from sandbox.engage.problems import problem


class BodyError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _too_large() -> BodyError:
    return BodyError(
        problem(
            413,
            inferred.PAYLOAD_TOO_LARGE,
            f"The request body must not exceed {inferred.MAX_BODY_BYTES} bytes.",
        )
    )


async def read_json(request: Request, limit: int = inferred.MAX_BODY_BYTES) -> Any:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise BodyError(problem(400, inferred.INVALID_JSON, "A JSON request body is required."))
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BodyError(
            problem(400, inferred.INVALID_JSON, f"The request body is not valid JSON: {exc}")
        ) from None
    if _depth(value) > inferred.MAX_JSON_DEPTH:
        raise BodyError(
            problem(
                400,
                inferred.INVALID_JSON,
                f"The request body nests deeper than {inferred.MAX_JSON_DEPTH} levels.",
            )
        )
    return value


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, dict):
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node)
    return deepest
