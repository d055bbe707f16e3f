"""Hostile peers on WebSocket and raw HTTP: protocol errors close with 44xx, silent and slow
peers are timed out, and the gateway keeps answering /healthz throughout."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from gateway.settings import ConnectionLimits
from tests.gateway.e2e.hostile_support import stays_healthy
from tests.support.gateway import GatewayHandle, sandbox_gateway

PROTOCOLS = ("graphql-transport-ws", "graphql-ws")
TIMEOUT_S = 0.5


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    limits = ConnectionLimits(
        ws_init_timeout_s=TIMEOUT_S, header_timeout_s=TIMEOUT_S, body_timeout_s=TIMEOUT_S
    )
    with sandbox_gateway(connections=limits) as handle:
        yield handle


async def close_code_after(gw: GatewayHandle, protocol: str, *frames: str | bytes) -> int | None:
    """Send ``frames`` and read until the server closes; its close code."""
    async with websockets.connect(gw.ws_url, subprotocols=[protocol], max_size=None) as ws:  # type: ignore[list-item]
        for frame in frames:
            await ws.send(frame)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
        except TimeoutError:
            return None


INIT = '{"type": "connection_init"}'


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    "frames",
    [
        ("[1,2]",),
        ("[" * 100_000 + "]" * 100_000,),
        ("not json",),
        ('{"type": 5}',),
        (INIT, '{"type": "subscribe", "id": "1", "payload": {"query": null}}'),
        (INIT, '{"type": "start", "id": "1", "payload": {"query": null}}'),
        (INIT, '{"type": "subscribe", "id": "1", "payload": null}'),
        (INIT, '{"type": "start", "id": 7, "payload": {"query": "{ vendors { vendor } }"}}'),
        (INIT, '{"type": "subscribe", "id": "1", "payload": {"query": "{ a }", "variables": 3}}'),
    ],
    ids=[
        "array",
        "100k deep",
        "not json",
        "type not a string",
        "subscribe query null",
        "start query null",
        "payload null",
        "numeric id",
        "variables a number",
    ],
)
def test_protocol_errors_close_with_4400(
    gw: GatewayHandle, protocol: str, frames: tuple[str, ...]
) -> None:
    with stays_healthy(gw):
        code = asyncio.run(close_code_after(gw, protocol, *frames))
    assert code == 4400


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_socket_without_connection_init_is_closed_with_4408(
    gw: GatewayHandle, protocol: str
) -> None:
    started = time.monotonic()
    with stays_healthy(gw):
        code = asyncio.run(close_code_after(gw, protocol))
    assert code == 4408
    assert time.monotonic() - started < 5


def _read_all(sock: socket.socket, deadline_s: float) -> bytes:
    sock.settimeout(deadline_s)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        raise AssertionError(f"still open after {deadline_s}s: {received!r}") from None
    return received


def test_trickled_request_headers_are_timed_out(gw: GatewayHandle) -> None:
    with stays_healthy(gw), socket.create_connection(("127.0.0.1", gw.server.port)) as sock:
        sock.sendall(b"POST /graphql HTTP/1.1\r\nhost: x\r\n")
        started = time.monotonic()
        sock.settimeout(0.2)
        closed = False
        while time.monotonic() - started < 5 and not closed:
            try:
                sock.sendall(b"x")
                if sock.recv(65536) == b"":
                    closed = True
            except TimeoutError:
                continue
            except OSError:
                closed = True
        assert closed, "a header trickle kept the connection open"
        assert time.monotonic() - started < 5


def test_a_silent_connection_is_answered_408_and_closed(gw: GatewayHandle) -> None:
    with socket.create_connection(("127.0.0.1", gw.server.port)) as sock:
        answer = _read_all(sock, 5)
    assert answer.startswith(b"HTTP/1.1 408")


def test_a_stalled_body_is_answered_408(gw: GatewayHandle) -> None:
    with stays_healthy(gw), socket.create_connection(("127.0.0.1", gw.server.port)) as sock:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b'content-length: 100\r\n\r\n{"query":'
        )
        answer = _read_all(sock, 5)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"REQUEST_TIMEOUT" in answer


def test_a_well_behaved_request_is_not_hurried(gw: GatewayHandle) -> None:
    response = gw.client.post(gw.graphql_url, json={"query": "{ vendors { vendor } }"})
    assert response.status_code == 200 and response.json()["data"]["vendors"]


def test_a_websocket_message_larger_than_a_request_body_is_refused(gw: GatewayHandle) -> None:
    too_big = '{"type": "connection_init", "payload": {"x": "' + "x" * 1_100_000 + '"}}'
    with stays_healthy(gw):
        code = asyncio.run(close_code_after(gw, "graphql-transport-ws", too_big))
    assert code == 1009  # "message too big", the WebSocket protocol's own code


async def first_answer(gw: GatewayHandle, protocol: str, operation: str) -> str:
    """The first frame after the acknowledgement, or the close frame's reason."""
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    async with websockets.connect(gw.ws_url, subprotocols=[protocol], max_size=None) as ws:  # type: ignore[list-item]
        await ws.send(INIT)
        await ws.send(f'{{"type": "{start}", "id": "1", "payload": {operation}}}')
        try:
            while True:
                frame = await asyncio.wait_for(ws.recv(), 5)
                assert isinstance(frame, str)
                if '"connection_ack"' not in frame and '"ka"' not in frame:
                    return frame
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            return f"closed {closed.rcvd.code}: {closed.rcvd.reason}"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_huge_operation_name_is_not_echoed_over_websocket(
    gw: GatewayHandle, protocol: str
) -> None:
    name = "A" * 500_000
    operation = (
        f'{{"query": "subscription S {{ integrationLog {{ id }} }}", "operationName": "{name}"}}'
    )
    with stays_healthy(gw):
        answer = asyncio.run(first_answer(gw, protocol, operation))
    assert "Unknown operation named" in answer and "INTERNAL" not in answer
    assert len(answer) < 2000
