"""Reading a GraphQL request's JSON without letting any bytes become a server error.

A body may be invalid UTF-8, nested deeper than any decoder recurses, or valid JSON of the
wrong shape (``null``, a string): each is the client's mistake and answers 400.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

import orjson
from cross_web import HTTPException

from gateway.errors import NonFiniteNumber

MAX_MESSAGE_CHARS = 500

NOT_AN_OBJECT = "The request body must be a JSON object (or, for a batch, an array of objects)"


NON_FINITE = "NaN, Infinity or a number beyond the range of a double, which JSON cannot carry"


def _refuse_constant(name: str) -> object:
    raise NonFiniteNumber(f"holds {NON_FINITE}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NonFiniteNumber(f"holds {NON_FINITE}")
    return value


def decode_json(data: str | bytes) -> object:
    """orjson first; what it refuses (a byte-order mark) gets the standard library's reading,
    so the requests accepted stay the same. Anything undecodable (bad UTF-8, too deep) raises
    ``json.JSONDecodeError``; a number JSON cannot carry raises ``NonFiniteNumber``."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc):
            raise json.JSONDecodeError("nested too deeply", "", 0) from None
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite)
    except (UnicodeDecodeError, RecursionError):
        raise json.JSONDecodeError("not readable as UTF-8 JSON", "", 0) from None


def request_json(data: str | bytes) -> object:
    """A request body or query parameter read as JSON; ``HTTPException`` 400 otherwise."""
    try:
        value = decode_json(data)
    except NonFiniteNumber:
        raise HTTPException(400, f"The request holds {NON_FINITE}") from None
    except (json.JSONDecodeError, ValueError):
        raise HTTPException(400, "Unable to parse request body as JSON") from None
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    raise HTTPException(400, NOT_AN_OBJECT)


def query_parameter_json(name: str, raw: str) -> dict[str, object]:
    """A GET request's ``variables`` or ``extensions`` parameter: a JSON object, else a 400
    naming the parameter."""
    try:
        value = decode_json(raw)
    except NonFiniteNumber:
        raise HTTPException(400, f"The `{name}` query parameter holds {NON_FINITE}") from None
    except (json.JSONDecodeError, ValueError):
        raise HTTPException(400, f"The `{name}` query parameter is not valid JSON") from None
    if not isinstance(value, dict):
        raise HTTPException(400, f"The `{name}` query parameter must be a JSON object")
    return value


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters: messages may quote what the client sent."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def clip_error_messages(message: Mapping[str, object]) -> Mapping[str, object]:
    """A WebSocket message whose error messages are clipped (``payload`` is an error list on
    graphql-transport-ws, an error on the legacy protocol, or a result carrying ``errors``)."""
    payload = message.get("payload")
    errors: object = payload
    if isinstance(payload, dict):
        errors = payload.get("errors", [payload] if "message" in payload else None)
    if not isinstance(errors, list) or not any(_long_message(error) for error in errors):
        return message
    for error in errors:
        if _long_message(error):
            error["message"] = clip(error["message"])
    return message


def _long_message(error: object) -> bool:
    return (
        isinstance(error, dict)
        and isinstance(error.get("message"), str)
        and len(error["message"]) > MAX_MESSAGE_CHARS
    )
