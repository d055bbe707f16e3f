"""Path segments that hold any value, as a vendor API must allow for ids it lets clients choose.

An HTTP server decodes the request path before routing, so an id holding ``/`` (sent as
``%2F``) would split into two segments and no longer match its route. ``EncodedSegments`` routes
on the path decoded except for ``%2F`` and ``%25``; ``Route`` decodes those two in each path
parameter it hands an endpoint, so an endpoint sees the id exactly as the client wrote it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from starlette import routing
from starlette.types import ASGIApp, Receive, Scope, Send

# Escapes whose decoding would change the path's structure (``/``) or the meaning of the
# escapes kept after it (``%``).
_KEPT = re.compile(r"(%2[fF]|%25)")
_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


def url_segment(value: str) -> str:
    """``value`` as one path segment of a URL the emulator hands out (a ``Location``): dot
    segments are escaped too, or a client's URL normalisation would drop them."""
    encoded = quote(value, safe="")
    return _DOT_SEGMENTS.get(encoded, encoded)


def _routing_path(raw_path: bytes) -> str | None:
    try:
        raw = raw_path.decode("ascii")
    except UnicodeDecodeError:
        return None
    parts = _KEPT.split(raw)
    return "".join(part.upper() if _KEPT.fullmatch(part) else unquote(part) for part in parts)


class EncodedSegments:
    """Routes on the path with ``%2F`` and ``%25`` still encoded (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path") if scope["type"] == "http" else None
        if raw_path and _KEPT.search(raw_path.decode("latin-1")):
            path = _routing_path(raw_path)
            if path is not None:
                scope = {**scope, "path": path}
        await self.app(scope, receive, send)


class Route(routing.Route):
    """A route whose path parameters are decoded of the escapes ``EncodedSegments`` kept."""

    def matches(self, scope: Scope) -> tuple[routing.Match, Scope]:
        match, child_scope = super().matches(scope)
        params: dict[str, Any] | None = child_scope.get("path_params")
        if params:
            child_scope["path_params"] = {
                name: unquote(value) if isinstance(value, str) else value
                for name, value in params.items()
            }
        return match, child_scope
