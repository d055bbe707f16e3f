"""Reading a request body as JSON within the size cap, with the vendor's errors for bad input."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from sandbox.expertsender import inferred

# Beyond this many times the cap the client is cut off rather than drained.
_DRAIN_FACTOR = 64


class BodyRejected(Exception):
    """The body cannot be read as JSON: ``status`` is 400, 413 or 415."""

    def __init__(self, status: int, substatus: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.substatus = substatus
        self.message = message


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_json(request: Request, max_bytes: int, invalid_substatus: str) -> Any:
    """The decoded body; oversized bodies are refused before more than the cap is read."""
    if _media_type(request) not in inferred.JSON_MEDIA_TYPES:
        raise BodyRejected(415, inferred.SUBSTATUS_UNSUPPORTED_MEDIA_TYPE, inferred.MSG_MEDIA_TYPE)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= max_bytes:
            chunks.append(chunk)
        elif size > max_bytes * _DRAIN_FACTOR:
            break
    # Reading (and discarding) the rest of an oversized body lets the client finish sending and
    # read the 413, instead of meeting a reset connection mid-upload.
    if size > max_bytes:
        raise BodyRejected(
            413,
            inferred.SUBSTATUS_REQUEST_TOO_LARGE,
            inferred.MSG_TOO_LARGE.format(limit=max_bytes),
        )
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise BodyRejected(
            400,
            invalid_substatus,
            inferred.error_string(inferred.BODY_ROOT_PATH, inferred.MSG_INVALID_JSON),
        ) from None
