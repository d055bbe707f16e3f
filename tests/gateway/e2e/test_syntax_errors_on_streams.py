"""A document that does not parse, sent over a stream, is answered with its syntax error like
over plain HTTP: over graphql-transport-ws the socket closes with 4400 and the error as its
reason (as the protocol's reference server does), over the legacy graphql-ws an ``error``
message, over SSE a ``next`` event with the error and ``complete``. Never a silent end, a stream
cut off midway or no answer at all."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from httpx_sse import aconnect_sse
from websockets.exceptions import ConnectionClosed

from tests.support.gateway import GatewayHandle, sandbox_gateway

UNPARSABLE = ("subscription {", "{", "not graphql at all")
INIT = json.dumps({"type": "connection_init"})
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"

# Every operation here is answered (an error or a close): long enough for a busy machine.
ANSWER_PATIENCE_S = 30.0


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


async def ws_frames_after_subscribe(gw: GatewayHandle, protocol: str, query: str) -> list[Any]:
    """Every frame the gateway sends for one operation until it is done with it (or
    ``ANSWER_PATIENCE_S`` pass);
    a close frame as ``{"type": "close", "code": ..., "reason": ...}``."""
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    frames: list[Any] = []
    async with websockets.connect(gw.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(INIT)
        await ws.send(json.dumps({"type": start, "id": "1", "payload": {"query": query}}))
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), ANSWER_PATIENCE_S))
                if frame.get("type") in ("connection_ack", "ka", "ping", "pong"):
                    continue
                frames.append(frame)
                if frame.get("type") in ("error", "complete"):
                    return frames
        except ConnectionClosed as closed:
            if closed.rcvd is not None:
                frames.append(
                    {"type": "close", "code": closed.rcvd.code, "reason": closed.rcvd.reason}
                )
            return frames
        except TimeoutError:
            return frames


def error_codes(payload: Any) -> list[Any]:
    errors = payload if isinstance(payload, list) else [payload]
    return [(error.get("extensions") or {}).get("code") for error in errors]


@pytest.mark.parametrize("query", UNPARSABLE)
def test_graphql_transport_ws_closes_with_4400_naming_the_syntax_error(
    gw: GatewayHandle, query: str
) -> None:
    frames = asyncio.run(ws_frames_after_subscribe(gw, "graphql-transport-ws", query))
    assert [frame["type"] for frame in frames] == ["close"], frames
    assert frames[0]["code"] == 4400
    assert frames[0]["reason"].startswith("Syntax Error")


@pytest.mark.parametrize("query", UNPARSABLE)
def test_legacy_graphql_ws_answers_a_syntax_error(gw: GatewayHandle, query: str) -> None:
    frames = asyncio.run(ws_frames_after_subscribe(gw, "graphql-ws", query))
    assert frames, "no answer at all to an operation that does not parse"
    assert frames[0]["type"] == "error", frames
    assert error_codes(frames[0]["payload"]) == [PARSE_FAILED]


async def sse_events(gw: GatewayHandle, query: str) -> list[tuple[str, str]]:
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client,
        aconnect_sse(client, "POST", gw.graphql_url, json={"query": query}) as source,
    ):
        return [(event.event, event.data) async for event in source.aiter_sse()]


@pytest.mark.parametrize("query", UNPARSABLE)
def test_sse_answers_a_syntax_error_and_completes(gw: GatewayHandle, query: str) -> None:
    events = asyncio.run(sse_events(gw, query))
    assert [name for name, _ in events] == ["next", "complete"], events
    result = json.loads(events[0][1])
    assert error_codes(result["errors"]) == [PARSE_FAILED]


def test_a_syntax_error_is_counted_in_the_error_metric(gw: GatewayHandle) -> None:
    def parse_failures() -> float:
        text = gw.client.get(f"{gw.url}/metrics").text
        for line in text.splitlines():
            if line.startswith("order_gateway_errors_total{") and PARSE_FAILED in line:
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = parse_failures()
    asyncio.run(ws_frames_after_subscribe(gw, "graphql-transport-ws", "subscription {"))
    asyncio.run(sse_events(gw, "subscription {"))
    response = gw.client.post(gw.graphql_url, json={"query": "{"})
    assert response.json()["errors"][0]["extensions"]["code"] == PARSE_FAILED
    assert parse_failures() == before + 3
