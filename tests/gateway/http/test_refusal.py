"""send_refusal answers in a media type the client's Accept did not refuse, whatever layer
refuses (body limit, body timeout, the door, access control)."""

from __future__ import annotations

import json

import pytest
from starlette.types import Message, Scope

from gateway.http.refusal import send_refusal


def _scope(accept: str | None) -> Scope:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    return {"type": "http", "method": "POST", "path": "/graphql", "headers": headers}


async def _refused(accept: str | None) -> tuple[dict[str, str], bytes]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await send_refusal(_scope(accept), send, 413, "too large", {"code": "BODY_TOO_LARGE"})
    start, body = sent
    assert start["status"] == 413
    headers = {name.decode(): value.decode() for name, value in start["headers"]}
    return headers, body["body"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("application/graphql-response+json", "application/graphql-response+json"),
        (
            "application/json;q=0, application/graphql-response+json",
            "application/graphql-response+json",
        ),
        ("text/html", "application/json"),
    ],
)
async def test_a_refusal_is_a_graphql_error_in_an_accepted_type(
    accept: str | None, media_type: str
) -> None:
    headers, body = await _refused(accept)
    assert headers["content-type"] == media_type
    assert json.loads(body) == {
        "errors": [{"message": "too large", "extensions": {"code": "BODY_TOO_LARGE"}}]
    }


@pytest.mark.parametrize("accept", ["*/*;q=0", "application/*;q=0"])
async def test_a_client_refusing_every_json_type_gets_no_body(accept: str) -> None:
    headers, body = await _refused(accept)
    assert "content-type" not in headers
    assert body == b""
