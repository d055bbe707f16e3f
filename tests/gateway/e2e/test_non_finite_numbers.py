"""Numbers JSON cannot carry (NaN, Infinity, a literal beyond the double range) in a request
body or WebSocket message are refused: Python's JSON reader accepts them, and in a ``JSON``
argument they reached the vendor as null, the write reported fine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import reset_requests, writes
from tests.gateway.e2e.test_hostile_connections import INIT, close_code_after
from tests.support.gateway import GatewayHandle, sandbox_gateway

ACTION = (
    "mutation Act($data: JSON) { triggerOrderAction(input: {vendor: ENGAGE, "
    'orderId: "ENG-1001", action: CUSTOM, customAction: "note", data: $data}) '
    "{ job { state } errors { code } } }"
)
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def body_with(number: str) -> bytes:
    query = json.dumps(ACTION)
    return f'{{"query": {query}, "variables": {{"data": {{"amount": {number}}}}}}}'.encode()


@pytest.mark.parametrize("number", NON_FINITE)
def test_a_body_with_a_number_json_cannot_carry_is_a_400(gw: GatewayHandle, number: str) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    response = gw.client.post(
        gw.graphql_url, content=body_with(number), headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "NaN" in error["message"] and "Infinity" in error["message"]
    assert writes(gw, Vendor.ENGAGE) == []


def test_a_finite_number_is_sent(gw: GatewayHandle) -> None:
    response = gw.client.post(
        gw.graphql_url, content=body_with("1e300"), headers={"content-type": "application/json"}
    )
    assert response.json()["data"]["triggerOrderAction"]["errors"] == []


def test_a_websocket_message_with_nan_closes_with_4400(gw: GatewayHandle) -> None:
    message = (
        '{"type": "subscribe", "id": "1", '
        '"payload": {"query": "{ vendors { vendor } }", "variables": {"x": NaN}}}'
    )
    assert asyncio.run(close_code_after(gw, "graphql-transport-ws", INIT, message)) == 4400
