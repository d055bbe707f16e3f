"""Real GraphQL subscription clients for tests, one per protocol the gateway speaks.

* graphql-transport-ws and the legacy graphql-ws: ``gql`` with its websockets transport;
* SSE: httpx + httpx-sse in graphql-sse's "distinct connections" mode (one POST per
  operation, ``Accept: text/event-stream``, ``next`` events carrying an execution result,
  then ``complete``), which is the mode Strawberry implements.

Every stream yields execution results (``{"data": ...}`` or ``{"errors": [...]}``) so tests can
treat the three protocols alike.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from httpx_sse import aconnect_sse

from tests.support.gateway import GatewayHandle

T = TypeVar("T")

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
SSE = "sse"
PROTOCOLS = (TRANSPORT_WS, LEGACY_WS, SSE)

Result = dict[str, Any]


async def ws_results(
    session: Any, query: str, variables: Mapping[str, Any] | None = None
) -> AsyncIterator[Result]:
    """One subscription on an open gql session; an error result ends the stream."""
    try:
        async for data in session.subscribe(gql(query), variable_values=dict(variables or {})):
            yield {"data": data}
    except TransportQueryError as exc:
        yield {"errors": exc.errors or [{"message": str(exc)}]}


@asynccontextmanager
async def ws_session(gw: GatewayHandle, subprotocol: str) -> AsyncIterator[Any]:
    transport = WebsocketsTransport(url=gw.ws_url, subprotocols=[subprotocol])
    async with Client(transport=transport) as session:
        yield session


async def sse_results(
    client: httpx.AsyncClient,
    gw: GatewayHandle,
    query: str,
    variables: Mapping[str, Any] | None = None,
) -> AsyncIterator[Result]:
    body = {"query": query, "variables": dict(variables or {})}
    async with aconnect_sse(client, "POST", gw.graphql_url, json=body) as source:
        async for event in source.aiter_sse():
            if event.event == "complete":
                return
            if event.event == "next":
                yield json.loads(event.data)


async def subscribe(
    gw: GatewayHandle, protocol: str, query: str, variables: Mapping[str, Any] | None = None
) -> AsyncIterator[Result]:
    """Open a connection, run one subscription to its end, close the connection."""
    if protocol == SSE:
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=30.0)) as client:
            async for result in sse_results(client, gw, query, variables):
                yield result
        return
    async with ws_session(gw, protocol) as session:
        async for result in ws_results(session, query, variables):
            yield result


async def collect(stream: AsyncIterator[T], timeout: float = 60.0) -> list[T]:
    async def run() -> list[T]:
        return [item async for item in stream]

    return await asyncio.wait_for(run(), timeout)


def on_gateway_loop(gw: GatewayHandle, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
    """Run ``coro`` inside the gateway's own event loop (a test thread cannot touch it)."""
    loop = gw.server.loop
    assert loop is not None
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


async def _task_count() -> int:
    # The counting task itself is not the gateway's.
    return len(asyncio.all_tasks()) - 1


def gateway_task_count(gw: GatewayHandle) -> int:
    return on_gateway_loop(gw, _task_count())
