"""A request refused before GraphQL ran: one GraphQL-shaped error body, any status.

Middleware that refuses a request (too large, too slow, unauthenticated, over its share) answers
with this, so every refusal reads the same to a client whatever layer made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Message, Scope, Send

from gateway.observability import context

JSON_MEDIA_TYPE = "application/json"


async def send_refusal(
    scope: Scope,
    send: Send,
    status: int,
    message: str,
    extensions: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    media_type: str = JSON_MEDIA_TYPE,
) -> None:
    context.note_refusal(extensions.get("code"))
    body = orjson.dumps({"errors": [{"message": message, "extensions": dict(extensions)}]})
    response = Response(body, status, dict(headers or {}), media_type=media_type)
    # The refused body is never read: the response needs nothing from ``receive``.
    await response(scope, _nothing_to_receive, send)


async def _nothing_to_receive() -> Message:
    return {"type": "http.disconnect"}
