"""OperationGuard: limits, one validation per distinct query text, masking only when needed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import strawberry

from gateway.http.extensions import OperationGuard, OperationPolicy, schema_extensions
from gateway.http.view import GatewayGraphQL
from gateway.settings import QueryLimits
from tests.support.servers import LoopbackServer, serve

LIMITS = QueryLimits(max_depth=3, max_tokens=60, max_aliases=2, max_body_bytes=8192)


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def child(self) -> Item:
        return Item(name=f"{self.name}/child")


@strawberry.type
class Query:
    @strawberry.field
    def item(self) -> Item:
        return Item(name="root")

    @strawberry.field
    def broken(self) -> str | None:
        raise RuntimeError("secret detail")


async def _context(request: Any, response: Any) -> dict[str, Any]:
    return {}


@pytest.fixture
def guarded() -> Iterator[tuple[LoopbackServer, OperationPolicy]]:
    [factory] = schema_extensions(LIMITS)
    guard = factory()
    assert isinstance(guard, OperationGuard)
    schema = strawberry.Schema(query=Query, extensions=[factory])
    view = GatewayGraphQL(schema, context_getter=_context, graphiql=False)
    with serve(view, lifespan="off") as server:
        yield server, guard.policy


def post(server: LoopbackServer, query: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.post(server.url, json={"query": query}, timeout=10).json()
    return answer


def test_a_query_text_is_validated_once_however_often_it_runs(
    guarded: tuple[LoopbackServer, OperationPolicy],
) -> None:
    server, policy = guarded
    for _ in range(5):
        assert post(server, "{ item { name } }") == {"data": {"item": {"name": "root"}}}
    assert policy.validations == 1
    post(server, "{ item { child { name } } }")
    assert policy.validations == 2


def test_an_invalid_query_is_refused_every_time_from_the_cache(
    guarded: tuple[LoopbackServer, OperationPolicy],
) -> None:
    server, policy = guarded
    for _ in range(3):
        answer = post(server, "{ item { nope } }")
        assert "Cannot query field 'nope'" in answer["errors"][0]["message"]
    assert policy.validations == 1


def test_the_limits_hold(guarded: tuple[LoopbackServer, OperationPolicy]) -> None:
    server, _ = guarded
    deep = post(server, "{ item { child { child { child { name } } } } }")
    assert "exceeds maximum operation depth" in deep["errors"][0]["message"]
    aliased = post(server, "{ a: item { name } b: item { name } c: item { name } }")
    assert "aliases" in aliased["errors"][0]["message"]
    long = post(server, "{ " + " ".join(["item { name }"] * 20) + " }")
    assert "token" in long["errors"][0]["message"].lower()


def test_errors_are_masked_and_clean_results_untouched(
    guarded: tuple[LoopbackServer, OperationPolicy],
) -> None:
    server, _ = guarded
    answer = post(server, "{ item { name } broken }")
    assert answer["data"] == {"item": {"name": "root"}, "broken": None}
    assert answer["errors"][0]["message"] == "Internal error"
    assert answer["errors"][0]["extensions"] == {"code": "INTERNAL"}
    assert "errors" not in post(server, "{ item { name } }")
