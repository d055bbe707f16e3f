from __future__ import annotations

import pytest

from gateway.http.negotiation import (
    EVENT_STREAM,
    GRAPHQL_RESPONSE_JSON,
    JSON,
    accepts_an_answer,
    names,
    negotiate,
    prefers_event_stream,
    refusal_media_type,
)


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


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("application/json;q=0, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        # Named neither: a JSON error body is still the best answer.
        ("text/html", JSON),
        ("application/json;q=0", GRAPHQL_RESPONSE_JSON),
        ("application/*;q=0", None),
        ("application/json;q=0, application/graphql-response+json;q=0", None),
        ("*/*;q=0", None),
    ],
)
def test_the_media_type_of_an_error_answer_is_never_one_refused(
    accept: str | None, expected: str | None
) -> None:
    assert refusal_media_type(accept) == expected


@pytest.mark.parametrize(
    ("accept", "ide_page", "expected"),
    [
        (None, False, True),
        ("application/json;q=0, application/graphql-response+json", False, True),
        ("text/event-stream", False, True),
        ("multipart/mixed;incrementalSpec=v0.2", False, True),
        ("text/html", True, True),
        ("text/html", False, False),
        ("*/*;q=0", True, False),
        ("application/json;q=0", False, False),
        ("image/png", False, False),
    ],
)
def test_an_answer_goes_to_a_client_accepting_one_of_its_types(
    accept: str | None, ide_page: bool, expected: bool
) -> None:
    assert accepts_an_answer(accept, ide_page=ide_page) is expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/event-stream", True),
        ("application/json, Text/Event-Stream;q=0.5", True),
        ("text/event-stream;q=0, multipart/mixed", True),  # named, whatever its weight
        ("multipart/mixed;subscriptionSpec=1.0, */*", False),
        ("text/*", False),
        (None, False),
    ],
)
def test_a_type_is_named_only_by_its_own_name(accept: str | None, expected: bool) -> None:
    assert names(accept, EVENT_STREAM) is expected
