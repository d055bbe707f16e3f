"""@defer and @stream over HTTP (multipart/mixed), SSE and WebSocket against the sandbox.

The deferred part reads from Engage, whose emulator is slowed down with its latency fault; the
contact comes from ExpertSender at full speed. The first part must arrive while the Engage call
is still held back: the emulator records a request only once it has answered, so its log is
still empty of order reads when the first part is in the client's hands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.support.gateway import GatewayHandle, sandbox_gateway

ENGAGE_LATENCY_MS = 1500
EXPERTSENDER_EMAIL = "jonas.lind@example.com"
DEFER_QUERY = """
query FastThenSlow($email: String!, $orderId: String!) {
  contact(vendor: EXPERTSENDER, email: $email) { contactId email }
  ... @defer(label: "slow") {
    order(vendor: ENGAGE, orderId: $orderId) { orderId status }
  }
}
"""
STREAM_QUERY = """
query Streamed($email: String!) {
  contact(vendor: ENGAGE, email: $email) {
    orders(first: 3) { edges @stream(initialCount: 1) { node { orderId } } }
  }
}
"""
MULTIPART_ACCEPT = "multipart/mixed;incrementalSpec=v0.2, application/json;q=0.9"


@pytest.fixture
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def slow_engage(gw: GatewayHandle) -> None:
    answer = gw.client.put(
        f"{gw.engage_url}/_sandbox/faults", json={"latency_ms": ENGAGE_LATENCY_MS}
    )
    assert answer.status_code == 200
    assert gw.client.post(f"{gw.engage_url}/_sandbox/requests/reset").status_code == 200


def engage_order_reads(gw: GatewayHandle) -> int:
    seen = gw.client.get(f"{gw.engage_url}/_sandbox/requests").json()
    return sum(count for route, count in seen["by_route"].items() if "orders" in route)


def multipart_parts(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The JSON bodies of a multipart/mixed answer, each as soon as it has arrived."""
    content_type = response.headers["content-type"]
    boundary = content_type.split("boundary=")[1].split(";")[0].strip('"')
    delimiter = f"\r\n--{boundary}"
    buffer = ""
    for chunk in response.iter_text():
        buffer += chunk
        while True:
            start = buffer.find("\r\n\r\n")
            end = buffer.find(delimiter, start + 4) if start >= 0 else -1
            if end < 0:
                break
            yield json.loads(buffer[start + 4 : end])
            buffer = buffer[end + len(delimiter) :]


def test_the_contact_arrives_while_the_deferred_engage_call_is_held_back(
    gw: GatewayHandle,
) -> None:
    slow_engage(gw)
    body = {
        "query": DEFER_QUERY,
        "variables": {"email": EXPERTSENDER_EMAIL, "orderId": "ENG-1004"},
    }
    with gw.client.stream(
        "POST", gw.graphql_url, json=body, headers={"Accept": MULTIPART_ACCEPT}, timeout=30
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/mixed")
        parts = multipart_parts(response)
        first = next(parts)
        reads_when_first_arrived = engage_order_reads(gw)
        rest = list(parts)
    assert first["data"]["contact"]["email"] == EXPERTSENDER_EMAIL
    assert "order" not in first["data"]
    assert first["hasNext"] is True
    assert first["pending"][0]["label"] == "slow"
    assert reads_when_first_arrived == 0
    incremental = [item for part in rest for item in part.get("incremental", [])]
    assert incremental[0]["data"]["order"] == {"orderId": "ENG-1004", "status": "COMPLETED"}
    assert rest[-1]["hasNext"] is False
    assert engage_order_reads(gw) >= 1


def test_stream_sends_the_first_edges_then_the_rest(gw: GatewayHandle) -> None:
    body = {"query": STREAM_QUERY, "variables": {"email": "anna.berg@example.com"}}
    with gw.client.stream(
        "POST", gw.graphql_url, json=body, headers={"Accept": MULTIPART_ACCEPT}
    ) as response:
        parts = list(multipart_parts(response))
    first_edges = parts[0]["data"]["contact"]["orders"]["edges"]
    assert len(first_edges) == 1
    streamed = [
        edge
        for part in parts[1:]
        for item in part.get("incremental", [])
        for edge in item.get("items", [])
    ]
    assert len(streamed) == 2
    assert parts[-1]["hasNext"] is False


def test_defer_over_sse(gw: GatewayHandle) -> None:
    body = {
        "query": DEFER_QUERY,
        "variables": {"email": EXPERTSENDER_EMAIL, "orderId": "ENG-1004"},
    }
    with connect_sse(gw.client, "POST", gw.graphql_url, json=body) as source:
        events = [(event.event, event.data) for event in source.iter_sse()]
    payloads = [json.loads(data) for name, data in events if name == "next"]
    assert events[-1][0] == "complete"
    assert payloads[0]["data"]["contact"]["email"] == EXPERTSENDER_EMAIL
    assert payloads[0]["hasNext"] is True
    incremental = [item for p in payloads[1:] for item in p.get("incremental", [])]
    assert incremental[0]["data"]["order"]["orderId"] == "ENG-1004"


def test_defer_over_graphql_transport_ws(gw: GatewayHandle) -> None:
    slow_engage(gw)
    protocols = [Subprotocol("graphql-transport-ws")]
    with connect(gw.ws_url, subprotocols=protocols) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        variables = {"email": EXPERTSENDER_EMAIL, "orderId": "ENG-1004"}
        payload = {"query": DEFER_QUERY, "variables": variables}
        ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
        first = json.loads(ws.recv(timeout=10))
        reads_when_first_arrived = engage_order_reads(gw)
        rest = []
        while (message := json.loads(ws.recv(timeout=20)))["type"] != "complete":
            rest.append(message)
    assert first["type"] == "next"
    assert first["payload"]["data"]["contact"]["email"] == EXPERTSENDER_EMAIL
    assert first["payload"]["hasNext"] is True
    assert reads_when_first_arrived == 0
    [second] = rest
    assert second["payload"]["incremental"][0]["data"]["order"]["orderId"] == "ENG-1004"
    assert second["payload"]["hasNext"] is False
