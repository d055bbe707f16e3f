"""The error an operation past a WebSocket's operation limit gets, on both protocols."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.support.gateway import sandbox_gateway
from tests.support.observe import PATIENCE_S, until_subscriptions_open

TAIL = "subscription { integrationLog { code } }"
# (subprotocol, the type of a message starting an operation)
PROTOCOLS = [("graphql-transport-ws", "subscribe"), ("graphql-ws", "start")]


async def _next_of_type(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await ws.recv())
        if message["type"] == kind:
            return message


@pytest.mark.parametrize(("subprotocol", "start"), PROTOCOLS)
async def test_an_operation_past_the_limit_gets_a_coded_error_naming_the_setting(
    subprotocol: str, start: str
) -> None:
    # Every error a client sees carries extensions.code; this one came with a bare message.
    with sandbox_gateway(max_subscriptions_per_connection=1) as gateway:
        async with (
            asyncio.timeout(PATIENCE_S),
            connect(gateway.ws_url, subprotocols=[subprotocol]) as ws,  # type: ignore[list-item]
            httpx.AsyncClient(timeout=10) as client,
        ):
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await _next_of_type(ws, "connection_ack")
            await ws.send(json.dumps({"id": "1", "type": start, "payload": {"query": TAIL}}))
            await until_subscriptions_open(client, gateway, 1)
            await ws.send(json.dumps({"id": "2", "type": start, "payload": {"query": TAIL}}))
            refused = await _next_of_type(ws, "error")
    assert refused["id"] == "2"
    payload = refused["payload"]
    error = payload[0] if isinstance(payload, list) else payload
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "at most 1 " in error["message"]
    assert "GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION" in error["message"]
