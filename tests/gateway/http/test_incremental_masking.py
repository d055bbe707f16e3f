"""An unexpected failure inside a deferred part is masked like any other, on every transport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from gateway.http.extensions import schema_extensions
from gateway.http.view import GatewayGraphQL
from gateway.settings import QueryLimits
from tests.support.servers import LoopbackServer, serve

QUERY = "query { fast ... @defer { broken } }"
MULTIPART = {"Accept": "multipart/mixed;incrementalSpec=v0.2, application/json;q=0.9"}


@strawberry.type
class Query:
    @strawberry.field
    def fast(self) -> str:
        return "here"

    @strawberry.field
    async def broken(self) -> str | None:
        await asyncio.sleep(0.01)
        raise RuntimeError("secret detail at redis://:hunter2@db")


async def _context(request: Any, response: Any) -> dict[str, Any]:
    return {}


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    schema = strawberry.Schema(
        query=Query,
        extensions=schema_extensions(QueryLimits()),
        config=StrawberryConfig(enable_experimental_incremental_execution=True),
    )
    view = GatewayGraphQL(schema, context_getter=_context, graphiql=False)
    with serve(view, lifespan="off") as running:
        yield running


def multipart_parts(text: str) -> list[dict[str, Any]]:
    """The JSON bodies of a whole multipart/mixed answer (boundary ``-``)."""
    chunks = text.split("\r\n---")
    return [json.loads(chunk.split("\r\n\r\n", 1)[1]) for chunk in chunks if "\r\n\r\n" in chunk]


def deferred_errors(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        error
        for payload in payloads[1:]
        for item in payload.get("incremental", [])
        for error in item.get("errors", [])
    ]


def assert_masked(errors: list[dict[str, Any]]) -> None:
    assert errors, "the deferred part reported no error"
    for error in errors:
        assert error["message"] == "Internal error"
        assert error["extensions"] == {"code": "INTERNAL"}
    assert "hunter2" not in json.dumps(errors)


def test_over_multipart_http(server: LoopbackServer) -> None:
    answer = httpx.post(server.url, json={"query": QUERY}, headers=MULTIPART, timeout=10)
    assert answer.headers["content-type"].startswith("multipart/mixed")
    assert "hunter2" not in answer.text
    parts = multipart_parts(answer.text)
    assert parts[0]["data"] == {"fast": "here"}
    assert_masked(deferred_errors(parts))


def test_over_graphql_transport_ws(server: LoopbackServer) -> None:
    url = server.url.replace("http", "ws", 1)
    with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        ws.recv(timeout=5)
        ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": QUERY}}))
        payloads = []
        while (message := json.loads(ws.recv(timeout=5)))["type"] == "next":
            payloads.append(message["payload"])
    assert message["type"] == "complete"
    assert payloads[0]["data"] == {"fast": "here"}
    assert_masked(deferred_errors(payloads))


def test_in_the_first_payload(server: LoopbackServer) -> None:
    query = "query { broken ... @defer { fast } }"
    answer = httpx.post(server.url, json={"query": query}, headers=MULTIPART, timeout=10)
    assert "hunter2" not in answer.text
    first = multipart_parts(answer.text)[0]
    assert first["data"] == {"broken": None}
    assert_masked(first["errors"])
