"""Every error a client can get carries ``extensions.code`` (Apollo Server's names)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.support.gateway import GatewayHandle, sandbox_gateway


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ vendors { vendor }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ vendors { nope } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($v: Vendor!) { vendors { vendor } }", None, "GRAPHQL_VALIDATION_FAILED"),
        (
            'query($v: Vendor!) { order(vendor: $v, orderId: "X") { id } }',
            {"v": "NOT_A_VENDOR"},
            "BAD_USER_INPUT",
        ),
        (
            'query($v: Vendor!) { order(vendor: $v, orderId: "X") { id } }',
            None,
            "BAD_USER_INPUT",
        ),
        # Past the depth limit: a validation rule of the gateway's.
        (
            "{ "
            + 'node(id: "x") { ... on Order { contact { orders { edges { node { ' * 3
            + "id"
            + " } } } } } }" * 3
            + " }",
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ],
)
def test_request_errors_carry_a_code(
    gw: GatewayHandle, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    body = gw.post(query, variables)
    assert body["errors"]
    assert set(codes(body)) == {code}, body


def test_refusals_by_the_http_layer_carry_a_code(gw: GatewayHandle) -> None:
    answer = gw.client.post(
        gw.graphql_url, content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert codes(answer.json()) == ["BAD_REQUEST"]
    batch = gw.client.post(gw.graphql_url, json=[{"query": "{ vendors { vendor } }"}])
    assert codes(batch.json()) == ["BAD_REQUEST"]
    assert "GATEWAY_BATCH_MAX" in batch.json()["errors"][0]["message"]


def test_execution_errors_keep_their_own_code(gw: GatewayHandle) -> None:
    body = gw.post(
        '{ contact(vendor: ENGAGE, email: "anna.berg@example.com") '
        "{ orders(first: -1) { edges { cursor } } } }"
    )
    assert codes(body) == ["BAD_USER_INPUT"]


def test_subscription_errors_carry_a_code_over_websocket_and_sse(gw: GatewayHandle) -> None:
    bad_variable = {
        "query": "subscription($i: ID!) { jobProgress(id: $i) { state } }",
        "variables": {"i": []},
    }
    with connect(gw.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        ws.recv(timeout=5)
        ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": bad_variable}))
        answer = json.loads(ws.recv(timeout=5))
    assert answer["type"] == "error"
    assert [e["extensions"]["code"] for e in answer["payload"]] == ["BAD_USER_INPUT"]
    sse = gw.client.post(
        gw.graphql_url,
        json={"query": "subscription { jobProgress(id: 5) { nope } }"},
        headers={"Accept": "text/event-stream"},
    )
    event = json.loads(sse.text.split("data: ", 1)[1].split("\n", 1)[0])
    assert codes(event) == ["GRAPHQL_VALIDATION_FAILED"]
