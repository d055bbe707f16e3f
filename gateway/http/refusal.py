"""A request refused before GraphQL ran: one GraphQL-shaped error body, any status.

Middleware that refuses a request (too large, too slow, unauthenticated, over its share) answers
with this, so every refusal reads the same to a client whatever layer made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Message, Scope, Send

from gateway.http.negotiation import refusal_media_type
from gateway.observability import context


async def send_refusal(
    scope: Scope,
    send: Send,
    status: int,
    message: str,
    extensions: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
) -> None:
    context.note_refusal(extensions.get("code"))
    # In a media type the client did not refuse; with none left, without a body.
    media_type = refusal_media_type(Headers(scope=scope).get("accept"))
    body = b""
    if media_type is not None:
        body = orjson.dumps({"errors": [{"message": message, "extensions": dict(extensions)}]})
    response = Response(body, status, dict(headers or {}), media_type=media_type)
    # The refused body is never read: the response needs nothing from ``receive``.
    await response(scope, _nothing_to_receive, send)


async def _nothing_to_receive() -> Message:
    return {"type": "http.disconnect"}
