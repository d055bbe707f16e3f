"""Accept-header negotiation between the two GraphQL-over-HTTP response media types."""

from __future__ import annotations

from functools import lru_cache

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

_SUPPORTED = (GRAPHQL_RESPONSE_JSON, JSON)


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
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        ranges.append((media_type.lower(), quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float]]) -> float:
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
    return best[1] if best else 0.0


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


EVENT_STREAM = "text/event-stream"
_JSON_TYPES = (GRAPHQL_RESPONSE_JSON, JSON)


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
