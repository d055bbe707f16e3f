"""Generated input against a running gateway: GraphQL documents from the schema (valid and
invalid ones, hypothesis-graphql), raw bytes as HTTP bodies and query strings, and arbitrary
WebSocket frames. Nothing may answer 5xx or ``INTERNAL``, close a socket with 1011, or leave
an "Exception in ASGI application" in the log. Example counts keep the run to about a minute.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import httpx
import hypothesis_graphql
import pytest
import websockets
from graphql import GraphQLSchema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from websockets.exceptions import ConnectionClosed

from gateway.schema import build_schema
from gateway.settings import ClientLimits, ConnectionLimits
from tests.gateway.e2e.hostile_support import codes, health_answers
from tests.support.gateway import GatewayHandle, sandbox_gateway

SCHEMA: GraphQLSchema = build_schema()._schema
SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "DateTime": st.sampled_from(["2025-05-01T12:00:00+02:00", "2025-05-01", "not a date", ""]).map(
        nodes.String
    ),
    "JSON": st.text(max_size=20).map(nodes.String),
}
FUZZ = settings(
    # FUZZ_EXAMPLES=1000 for a deeper run than CI's.
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SERVER_FAILURE_LOGS = ("Exception in ASGI application", "failed outside execution")


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    # A generous client share: the fuzzing client is one client sending hundreds of requests.
    with sandbox_gateway(
        clients=ClientLimits(cost_rate=100_000, cost_burst=1_000_000, vendor_concurrency=16),
        connections=ConnectionLimits(ws_init_timeout_s=2),
    ) as handle:
        yield handle


@pytest.fixture(autouse=True)
def no_server_failures(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.ERROR):
        yield
    failures = [
        r.getMessage()
        for r in caplog.records
        if any(text in r.getMessage() for text in SERVER_FAILURE_LOGS)
    ]
    assert not failures, failures[:3]


def assert_client_error_at_most(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/"):
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict):
            assert "INTERNAL" not in codes(body), body


def documents(mode: hypothesis_graphql.Mode) -> st.SearchStrategy[Any]:
    return st.one_of(
        hypothesis_graphql.queries(SCHEMA, custom_scalars=SCALARS, mode=mode),
        hypothesis_graphql.mutations(SCHEMA, custom_scalars=SCALARS, mode=mode),
    )


@FUZZ
@given(document=documents(hypothesis_graphql.Mode.POSITIVE))
def test_valid_documents_never_fail_on_the_server(gw: GatewayHandle, document: str) -> None:
    assert_client_error_at_most(gw.client.post(gw.graphql_url, json={"query": document}))


@FUZZ
@given(document=documents(hypothesis_graphql.Mode.NEGATIVE))
def test_invalid_documents_are_client_errors(gw: GatewayHandle, document: str) -> None:
    assert_client_error_at_most(gw.client.post(gw.graphql_url, json={"query": document}))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
request_fields = st.fixed_dictionaries(
    {},
    optional={
        "query": json_values | st.sampled_from(["{ vendors { vendor } }", "subscription { x }"]),
        "variables": json_values,
        "operationName": json_values,
        "extensions": json_values,
    },
)


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda value: json.dumps(value).encode()),
        request_fields.map(lambda value: json.dumps(value).encode()),
    ),
    content_type=st.sampled_from(
        ["application/json", "application/graphql", "text/plain", "multipart/form-data", ""]
    ),
    accept=st.sampled_from(
        ["", "application/json", "application/graphql-response+json", "text/event-stream", "*/*"]
    ),
)
def test_any_body_is_at_most_a_client_error(
    gw: GatewayHandle, body: bytes, content_type: str, accept: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    if accept:
        headers["accept"] = accept
    assert_client_error_at_most(gw.client.post(gw.graphql_url, content=body, headers=headers))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["query", "variables", "operationName", "x"]), st.text(max_size=40)
    )
)
def test_any_query_string_is_at_most_a_client_error(
    gw: GatewayHandle, params: dict[str, str]
) -> None:
    assert_client_error_at_most(
        gw.client.get(gw.graphql_url, params=params, headers={"accept": "application/json"})
    )


frames = st.one_of(
    st.text(max_size=100),
    st.binary(max_size=100),
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["subscribe", "start", "ping", "pong", "complete", "stop"])},
        optional={"id": json_values, "payload": json_values},
    ).map(json.dumps),
)


async def _close_code(gw: GatewayHandle, protocol: str, sent: list[str | bytes]) -> int | None:
    async with websockets.connect(gw.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send('{"type": "connection_init"}')
        for frame in sent:
            try:
                await ws.send(frame)
            except ConnectionClosed:
                break
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 0.3)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
        except TimeoutError:
            return None  # still open: fine


@FUZZ
@given(
    protocol=st.sampled_from(["graphql-transport-ws", "graphql-ws"]),
    sent=st.lists(frames, max_size=4),
)
def test_any_websocket_frames_close_cleanly_or_not_at_all(
    gw: GatewayHandle, protocol: str, sent: list[str | bytes]
) -> None:
    code = asyncio.run(_close_code(gw, protocol, sent))
    assert code is None or code == 1000 or 4400 <= code < 4500 or code == 1002, code


def test_the_gateway_still_answers_after_fuzzing(gw: GatewayHandle) -> None:
    assert health_answers(gw)
