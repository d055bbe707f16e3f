"""Only the gateway's own errors reach a client verbatim; everything else is masked."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import strawberry

from gateway.errors import GatewayError
from gateway.http.extensions import schema_extensions
from gateway.http.masking import quiet_expected_errors
from gateway.http.negotiation import GRAPHQL_RESPONSE_JSON
from gateway.http.view import GatewayGraphQL
from gateway.settings import QueryLimits
from tests.support.gateway import sandbox_gateway
from tests.support.servers import LoopbackServer, serve

SECRET = "password=hunter2 at https://10.1.2.3/internal?apikey=abc"


@strawberry.type
class Query:
    @strawberry.field
    def unexpected(self) -> str | None:
        # A bug or a library failure whose message carries things no client may see.
        raise RuntimeError(SECRET)

    @strawberry.field
    def refused(self) -> str | None:
        raise GatewayError("That order id is not valid here", code="BAD_USER_INPUT")

    @strawberry.field
    def fine(self) -> str:
        return "ok"


async def _context(request: Any, response: Any) -> dict[str, Any]:
    return {}


def test_only_masked_errors_reach_the_error_log(
    server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_expected_errors()
    with caplog.at_level(logging.ERROR, logger="strawberry.execution"):
        run(server, "{ refused }")
        httpx.post(f"{server.url}/", json={"query": "{ nope }"})
        run(server, "{ unexpected }")
    logged = [r for r in caplog.records if r.name == "strawberry.execution"]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert isinstance(logged[0].exc_info[1], RuntimeError)


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    schema = strawberry.Schema(query=Query, extensions=schema_extensions(QueryLimits()))
    view = GatewayGraphQL(schema, context_getter=_context, graphiql=False)
    with serve(view, lifespan="off") as srv:
        yield srv


def run(server: LoopbackServer, query: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE_JSON}
    )
    assert response.status_code == 200
    decoded: dict[str, Any] = response.json()
    assert "hunter2" not in response.text and "10.1.2.3" not in response.text
    return decoded


def test_an_unexpected_exception_is_masked_with_code_internal(server: LoopbackServer) -> None:
    decoded = run(server, "{ fine unexpected }")
    assert decoded["data"] == {"fine": "ok", "unexpected": None}
    [error] = decoded["errors"]
    assert error["message"] == "Internal error"
    assert error["extensions"] == {"code": "INTERNAL"}
    assert error["path"] == ["unexpected"]


def test_a_gateway_error_is_shown_with_its_code(server: LoopbackServer) -> None:
    decoded = run(server, "{ refused }")
    [error] = decoded["errors"]
    assert error["message"] == "That order id is not valid here"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


def test_validation_errors_are_not_masked(server: LoopbackServer) -> None:
    response = httpx.post(f"{server.url}/", json={"query": "{ nope }"})
    assert "Cannot query field 'nope'" in response.json()["errors"][0]["message"]


async def _broken_context(request: Any, response: Any) -> dict[str, Any]:
    raise RuntimeError(SECRET)


def test_a_failure_outside_execution_is_a_masked_500() -> None:
    schema = strawberry.Schema(query=Query, extensions=schema_extensions(QueryLimits()))
    view = GatewayGraphQL(schema, context_getter=_broken_context, graphiql=False)
    with serve(view, lifespan="off") as srv:
        response = httpx.post(
            f"{srv.url}/", json={"query": "{ fine }"}, headers={"accept": GRAPHQL_RESPONSE_JSON}
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    assert response.json() == {
        "errors": [{"message": "Internal error", "extensions": {"code": "INTERNAL"}}]
    }
    assert "hunter2" not in response.text


def test_an_upstream_failure_names_code_and_vendor_but_no_url_or_key() -> None:
    with sandbox_gateway() as gw:
        faults = gw.client.put(
            f"{gw.engage_url}/_sandbox/faults", json={"error_rate": 1.0, "seed": 7}
        )
        assert faults.status_code == 200
        response = gw.client.post(
            gw.graphql_url,
            json={"query": '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId } }'},
            headers={"accept": GRAPHQL_RESPONSE_JSON},
        )
    assert response.status_code == 200
    decoded = response.json()
    assert decoded["data"] == {"order": None}
    [error] = decoded["errors"]
    extensions = error["extensions"]
    assert extensions["vendor"] == "ENGAGE"
    assert extensions["code"] not in ("INTERNAL", None)
    assert extensions.get("upstreamStatus") in (503, None)
    emulator_port = gw.engage_url.rsplit(":", 1)[1]
    assert emulator_port not in response.text
    assert "127.0.0.1" not in response.text
    assert gw.gateway.endpoints[next(iter(gw.gateway.endpoints))].api_key not in response.text
