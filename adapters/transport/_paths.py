"""A vendor URL path segment that holds exactly one value, whatever characters it has."""

from __future__ import annotations

from urllib.parse import quote

_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


def path_segment(value: str) -> str:
    """``value`` escaped to stay one path segment: ``/``, ``?``, ``#``, ``%`` and spaces are
    percent-encoded, and so is a value that is all dots. URL normalisation (httpx's, and any
    proxy's) removes ``.`` and ``..`` segments, so ``/orders/..`` would name the collection's
    parent instead of an order with the id ``..``."""
    encoded = quote(value, safe="")
    return _DOT_SEGMENTS.get(encoded, encoded)
