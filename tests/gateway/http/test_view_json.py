"""Request bodies: read with orjson, and what only the standard library reads still accepted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import strawberry

from gateway.http.view import GatewayGraphQL
from tests.support.servers import LoopbackServer, serve


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, text: str) -> str:
        return text


async def _context(request: Any, response: Any) -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    view = GatewayGraphQL(strawberry.Schema(query=Query), context_getter=_context, graphiql=False)
    with serve(view, lifespan="off") as srv:
        yield srv


def post(server: LoopbackServer, body: bytes) -> httpx.Response:
    return httpx.post(server.url, content=body, headers={"content-type": "application/json"})


def test_a_plain_body_is_read(server: LoopbackServer) -> None:
    body = b'{"query": "query($t: String!) { echo(text: $t) }", "variables": {"t": "caf\xc3\xa9"}}'
    assert post(server, body).json() == {"data": {"echo": "café"}}


def test_a_body_with_a_byte_order_mark_is_still_read(server: LoopbackServer) -> None:
    answer = post(server, b'\xef\xbb\xbf{"query": "{ echo(text: \\"bom\\") }"}')
    assert answer.json() == {"data": {"echo": "bom"}}


def test_a_body_that_is_not_json_is_a_400(server: LoopbackServer) -> None:
    answer = post(server, b'{"query": ')
    assert answer.status_code == 400
    assert answer.json() == {
        "errors": [
            {
                "message": "Unable to parse request body as JSON",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
