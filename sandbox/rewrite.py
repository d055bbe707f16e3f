"""Rewrite the emulators' error documents the way the chosen variants say (``sandbox.variants``).

The endpoints keep building their richest answer; this middleware takes away (or reshapes) what
a variant says the vendor may not send, in one place per vendor, so no endpoint needs to know
which variant runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# (request path, problem document) -> the document to send
ProblemRewrite = Callable[[str, dict[str, Any]], dict[str, Any]]
PROBLEM_MEDIA_TYPE = b"application/problem+json"


class ProblemRewriter:
    """Passes every answer through, except a ``problem+json`` body: that one is decoded, given
    to ``rewrite`` and sent again with a matching ``Content-Length``."""

    def __init__(self, app: ASGIApp, *, rewrite: ProblemRewrite) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                raw_headers = dict(message.get("headers") or [])
                if raw_headers.get(b"content-type", b"").startswith(PROBLEM_MEDIA_TYPE):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = self._rewritten(scope.get("path", ""), b"".join(chunks))
            headers = MutableHeaders(raw=list(start.get("headers") or []))
            headers["content-length"] = str(len(body))
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)

    def _rewritten(self, path: str, raw: bytes) -> bytes:
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
        if not isinstance(document, dict):
            return raw
        return orjson.dumps(self.rewrite(path, document))
