"""Which operation of a document a request runs: the one ``operationName`` names, or the only
one. A document with several operations and no ``operationName`` is a request error on every
transport (GraphQL spec, GetOperation), never its first operation run in silence."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import reset_requests, writes
from tests.support.gateway import GatewayHandle, sandbox_gateway

GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}
TWO_QUERIES = "query First { vendors { vendor } } query Second { vendors { sandbox } }"
DELETE_THEN_READ = (
    'mutation Delete { deleteOrder(input: {vendor: EXPERTSENDER, orderId: "ES-1001"}) '
    "{ errors { code } } } "
    'query Read { order(vendor: EXPERTSENDER, orderId: "ES-1001") { isDeleted } }'
)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(batch_max=5) as handle:
        yield handle


def codes(body: dict[str, Any]) -> list[Any]:
    return [(error.get("extensions") or {}).get("code") for error in body.get("errors") or ()]


def assert_names_missing(body: dict[str, Any]) -> None:
    assert body.get("data") is None, body
    assert codes(body) == ["BAD_REQUEST"], body
    assert "operationName" in body["errors"][0]["message"]


def test_two_operations_without_a_name_are_a_request_error(gw: GatewayHandle) -> None:
    response = gw.client.post(gw.graphql_url, json={"query": TWO_QUERIES}, headers=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert_names_missing(response.json())


def test_the_named_operation_runs(gw: GatewayHandle) -> None:
    body = gw.post(TWO_QUERIES, operation_name="Second")
    assert body == {"data": {"vendors": [{"sandbox": True}, {"sandbox": True}]}}


def test_one_operation_with_fragments_needs_no_name(gw: GatewayHandle) -> None:
    body = gw.post("query Only { ...V } fragment V on Query { vendors { vendor } }")
    assert body["data"]["vendors"][0] == {"vendor": "ENGAGE"}


def test_an_unnamed_choice_never_runs_a_mutation(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.EXPERTSENDER)
    assert_names_missing(gw.post(DELETE_THEN_READ))
    assert writes(gw, Vendor.EXPERTSENDER) == []
    assert gw.post(DELETE_THEN_READ, operation_name="Read") == {
        "data": {"order": {"isDeleted": False}}
    }


def test_over_get_too(gw: GatewayHandle) -> None:
    response = gw.client.get(gw.graphql_url, params={"query": TWO_QUERIES})
    assert_names_missing(response.json())


def test_each_operation_of_a_batch_is_chosen_on_its_own(gw: GatewayHandle) -> None:
    batch = [{"query": TWO_QUERIES}, {"query": TWO_QUERIES, "operationName": "First"}]
    answers = gw.client.post(gw.graphql_url, json=batch).json()
    assert_names_missing(answers[0])
    assert answers[1] == {"data": {"vendors": [{"vendor": "ENGAGE"}, {"vendor": "EXPERTSENDER"}]}}


async def first_ws_answer(gw: GatewayHandle, protocol: str, payload: dict[str, Any]) -> Any:
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    async with websockets.connect(gw.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        await ws.send(json.dumps({"type": start, "id": "1", "payload": payload}))
        while True:
            # Every operation here is answered: a guard against a hang, long for a busy machine.
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame["type"] not in ("connection_ack", "ka", "ping"):
                return frame


SUBSCRIPTIONS = (
    "subscription Log { integrationLog { code } } subscription Other { integrationLog { at } }"
)


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_over_websocket_an_error_for_that_operation(gw: GatewayHandle, protocol: str) -> None:
    frame = asyncio.run(first_ws_answer(gw, protocol, {"query": SUBSCRIPTIONS}))
    assert frame["type"] == "error", frame
    errors = frame["payload"] if isinstance(frame["payload"], list) else [frame["payload"]]
    assert_names_missing({"errors": errors})


@pytest.mark.parametrize("name", [5, True, {"a": 1}, ["First"]])
def test_an_operation_name_that_is_no_string_is_refused_as_such(
    gw: GatewayHandle, name: object
) -> None:
    body = {"query": TWO_QUERIES, "operationName": name}
    response = gw.client.post(gw.graphql_url, json=body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "`operationName` must be a string" in error["message"], error


async def unknown_name_then_valid(gw: GatewayHandle, protocol: str) -> list[Any]:
    """On one socket: an operation naming one the document lacks, then a valid one."""
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    frames: list[Any] = []
    async with websockets.connect(gw.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        bad = {"query": SUBSCRIPTIONS, "operationName": "Missing"}
        await ws.send(json.dumps({"type": start, "id": "bad", "payload": bad}))
        good = {"query": "{ vendors { vendor } }"}
        if protocol == "graphql-ws":  # the legacy protocol runs subscriptions only
            good = {"query": SUBSCRIPTIONS, "operationName": "Log"}
        await ws.send(json.dumps({"type": start, "id": "good", "payload": good}))
        try:
            while len(frames) < 2:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 3))
                if frame["type"] not in ("connection_ack", "ka", "ping"):
                    frames.append(frame)
        except ConnectionClosed as closed:
            frames.append({"type": "close", "code": closed.rcvd.code if closed.rcvd else None})
        except TimeoutError:
            frames.append({"type": "still open"})
    return frames


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_an_unknown_operation_name_fails_that_operation_not_the_socket(
    gw: GatewayHandle, protocol: str
) -> None:
    frames = asyncio.run(unknown_name_then_valid(gw, protocol))
    bad = [frame for frame in frames if frame.get("id") == "bad"]
    assert bad and bad[0]["type"] == "error", frames
    errors = bad[0]["payload"] if isinstance(bad[0]["payload"], list) else [bad[0]["payload"]]
    assert errors[0]["extensions"]["code"] == "BAD_REQUEST"
    assert "Missing" in errors[0]["message"]
    assert all(frame["type"] != "close" for frame in frames), frames


NO_OPERATION = "fragment F on Query { vendors { vendor } }"


def assert_no_operation(errors: list[Any]) -> None:
    # "Can't get GraphQL operation type" left the client to guess what was wrong.
    [error] = errors
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "no operation" in error["message"], error


@pytest.mark.parametrize("accept", ["application/json", "text/event-stream"])
def test_a_document_without_an_operation_says_so_over_http(gw: GatewayHandle, accept: str) -> None:
    response = gw.client.post(
        gw.graphql_url, json={"query": NO_OPERATION}, headers={"accept": accept}
    )
    if accept == "text/event-stream":
        data = [line for line in response.text.splitlines() if line.startswith("data: {")]
        assert_no_operation(json.loads(data[0].removeprefix("data: "))["errors"])
    else:
        assert response.status_code == 400
        assert_no_operation(response.json()["errors"])


def test_a_document_without_an_operation_says_so_over_websocket(gw: GatewayHandle) -> None:
    frame = asyncio.run(first_ws_answer(gw, "graphql-transport-ws", {"query": NO_OPERATION}))
    assert frame["type"] == "error", frame
    assert_no_operation(frame["payload"])
