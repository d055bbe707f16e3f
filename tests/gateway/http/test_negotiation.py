from __future__ import annotations

import pytest

from gateway.http.negotiation import GRAPHQL_RESPONSE_JSON, JSON, negotiate, prefers_event_stream


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("application/json", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0.5, application/json", JSON),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        ("application/json; charset=utf-8", JSON),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE_JSON),
        # Wildcards are how legacy clients ask: they get the legacy type.
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/html, */*;q=0.8", JSON),
        ("*/*, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("text/plain", None),
        ("application/json;q=0, application/graphql-response+json;q=0", None),
        ("application/json;q=oops", None),
    ],
)
def test_negotiate(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # urql's default for queries and mutations: JSON first, so JSON.
        (
            "application/graphql-response+json, application/graphql+json, application/json, "
            "text/event-stream, multipart/mixed",
            False,
        ),
        # urql's fetchSubscriptions and graphql-sse: the stream only.
        ("text/event-stream, multipart/mixed", True),
        ("text/event-stream", True),
        ("text/event-stream, application/json", True),
        ("application/json;q=0.5, text/event-stream", True),
        ("application/json, text/event-stream;q=0.9", False),
        ("text/event-stream;q=0, application/json", False),
        ("*/*", False),
        ("application/json", False),
        (None, False),
    ],
)
def test_prefers_event_stream(accept: str | None, expected: bool) -> None:
    assert prefers_event_stream(accept) is expected
