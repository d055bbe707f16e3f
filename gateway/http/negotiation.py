"""Accept-header negotiation between the two GraphQL-over-HTTP response media types."""

from __future__ import annotations

import math
from functools import lru_cache

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

_SUPPORTED = (GRAPHQL_RESPONSE_JSON, JSON)


def _weight(value: str) -> float:
    """A q-value as a weight between 0 and 1. One out of range weighs as the nearest bound,
    and one that is no number as 0: ``nan`` compares false both ways, so one check here would
    take it as accepted and another as refused."""
    try:
        quality = float(value.strip())
    except ValueError:
        return 0.0
    if math.isnan(quality):
        return 0.0
    return min(max(quality, 0.0), 1.0)


def _parse_accept(header: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for item in header.split(","):
        media_type, *params = (part.strip() for part in item.split(";"))
        if not media_type:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                quality = _weight(value)
        ranges.append((media_type.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
    matched = _matched_quality(media_type, ranges)
    return 0.0 if matched is None else matched


def _matched_quality(media_type: str, ranges: list[tuple[str, float]]) -> float | None:
    """The quality the most specific range matching ``media_type`` gives it; None when no
    range matches (the type is not accepted, though not refused outright either)."""
    main_type = media_type.split("/")[0]
    best: tuple[int, float] | None = None  # (specificity, quality)
    for candidate, quality in ranges:
        if candidate == media_type:
            specificity = 2
        elif candidate == f"{main_type}/*":
            specificity = 1
        elif candidate == "*/*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, quality)
    return best[1] if best else None


# Clients send a handful of distinct Accept headers, every one of them on every request.
@lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header, or ``None`` when none is acceptable.

    No header at all means a legacy client: it gets ``application/json``, as the GraphQL over
    HTTP spec asks; ``*/*`` alone also gets ``application/json`` for the same clients' sake.
    """
    if accept is None or not accept.strip():
        return JSON
    ranges = _parse_accept(accept)
    scored = [(media_type, _quality(media_type, ranges)) for media_type in _SUPPORTED]
    explicit = {media_type for media_type, _ in ranges}
    best_type, best_quality = max(
        scored,
        # An explicitly named type beats one reached through a wildcard; between two named
        # types the newer wins, between two wildcard matches the legacy one does.
        key=lambda pair: (
            pair[1],
            pair[0] in explicit,
            (pair[0] == GRAPHQL_RESPONSE_JSON) == (pair[0] in explicit),
        ),
    )
    if best_quality <= 0:
        return None
    return best_type


@lru_cache(maxsize=256)
def accepts(accept: str | None, media_type: str) -> bool:
    """Whether a client sending ``accept`` takes an answer in ``media_type`` (no header: any)."""
    if accept is None or not accept.strip():
        return True
    return _quality(media_type, _parse_accept(accept)) > 0


@lru_cache(maxsize=256)
def refusal_media_type(accept: str | None) -> str | None:
    """The media type of an error answer (a refusal, a 406): the negotiated one, else the first
    JSON type the client did not refuse outright (``q=0``), which a client naming only other
    types still reads; None when it refused both (the answer then has no body).
    """
    negotiated = negotiate(accept)
    if negotiated is not None or accept is None:
        return negotiated
    ranges = _parse_accept(accept)
    for media_type in (JSON, GRAPHQL_RESPONSE_JSON):
        if _matched_quality(media_type, ranges) is None:
            return media_type
    return None


EVENT_STREAM = "text/event-stream"
MULTIPART_MIXED = "multipart/mixed"
HTML = "text/html"


@lru_cache(maxsize=256)
def accepts_an_answer(accept: str | None, *, ide_page: bool) -> bool:
    """Whether any answer of the endpoint can go to a client sending ``accept``: JSON, an event
    stream, multipart (@defer, @stream, subscriptions), or with ``ide_page`` (a browser's GET
    without an operation) the GraphiQL page. If not, the request is refused with 406 before
    it runs, as the GraphQL over HTTP spec recommends."""
    if negotiate(accept) is not None:
        return True
    if accepts(accept, EVENT_STREAM) or accepts(accept, MULTIPART_MIXED):
        return True
    return ide_page and accepts(accept, HTML)


_JSON_TYPES = (GRAPHQL_RESPONSE_JSON, JSON)


@lru_cache(maxsize=256)
def names(accept: str | None, media_type: str) -> bool:
    """Whether ``accept`` names ``media_type`` itself, whatever its q-value (a wildcard does not
    name it): how Strawberry tells which stream a subscription over HTTP asked for."""
    return accept is not None and any(name == media_type for name, _ in _parse_accept(accept))


@lru_cache(maxsize=256)
def prefers_event_stream(accept: str | None) -> bool:
    """Whether a query or mutation should answer as an event stream.

    Only when the client names ``text/event-stream`` and ranks it above every JSON type it
    names: by q-value first, then by the order of the list. urql, for one, lists the event
    stream last and wants JSON for a plain query; a wildcard never chooses a stream.
    """
    if not accept:
        return False
    ranges = _parse_accept(accept)
    stream = next(
        ((index, quality) for index, (name, quality) in enumerate(ranges) if name == EVENT_STREAM),
        None,
    )
    if stream is None or stream[1] <= 0:
        return False
    stream_index, stream_quality = stream
    return not any(
        name in _JSON_TYPES
        and quality > 0
        and (quality > stream_quality or (quality == stream_quality and index < stream_index))
        for index, (name, quality) in enumerate(ranges)
    )
