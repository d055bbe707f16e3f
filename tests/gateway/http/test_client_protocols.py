"""Batches (GATEWAY_BATCH_MAX) and the choice between JSON and an event stream."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.settings import QueryLimits
from tests.support.gateway import GatewayHandle, sandbox_gateway

GRJ = {"Accept": "application/graphql-response+json"}
VENDORS = {"query": "{ vendors { vendor } }"}
TOO_DEEP = {
    "query": '{ contact(vendor: ENGAGE, email: "x") { orders { edges { node { contact '
    "{ orders { edges { node { id } } } } } } } } }"
}


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(batch_max=3, limits=QueryLimits(max_depth=5)) as handle:
        yield handle


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_each_operation_of_a_batch_is_limited_on_its_own(gw: GatewayHandle) -> None:
    answer = gw.client.post(gw.graphql_url, json=[VENDORS, TOO_DEEP], headers=GRJ)
    # One array for the batch, 200 even though one entry failed validation.
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/graphql-response+json")
    first, second = answer.json()
    assert first["data"]["vendors"]
    assert codes(second) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in second["errors"][0]["message"]


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ([VENDORS] * 4, "at most 3"),
        ([], "at least one operation"),
        ([VENDORS, "nope"], "JSON object"),
        ([{"query": 5}], "`query` of each batched operation must be a string"),
        ([{**VENDORS, "variables": "x"}], "`variables` of each batched operation"),
        ([{**VENDORS, "extensions": []}], "`extensions` of each batched operation"),
        ([{**VENDORS, "operationName": 7}], "`operationName` of each batched operation"),
    ],
)
def test_a_batch_past_its_limits_is_refused(
    gw: GatewayHandle, batch: list[Any], message: str
) -> None:
    answer = gw.client.post(gw.graphql_url, json=batch, headers=GRJ)
    assert answer.status_code == 400
    assert codes(answer.json()) == ["BAD_REQUEST"]
    assert message in answer.json()["errors"][0]["message"]


def test_a_batch_is_json_even_for_a_client_that_also_accepts_streams(gw: GatewayHandle) -> None:
    headers = {"Accept": "application/json, text/event-stream"}
    answer = gw.client.post(gw.graphql_url, json=[VENDORS, VENDORS], headers=headers)
    assert answer.status_code == 200
    assert [entry["data"]["vendors"][0]["vendor"] for entry in answer.json()] == ["ENGAGE"] * 2


def test_batching_is_off_by_default() -> None:
    with sandbox_gateway() as gw:
        answer = gw.client.post(gw.graphql_url, json=[VENDORS], headers=GRJ)
    assert answer.status_code == 400
    assert "GATEWAY_BATCH_MAX" in answer.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("accept", "streamed"),
    [
        ("application/json, text/event-stream", False),
        ("text/event-stream, application/json", True),
        ("text/event-stream", True),
    ],
)
def test_a_query_streams_only_when_the_stream_is_preferred(
    gw: GatewayHandle, accept: str, streamed: bool
) -> None:
    answer = gw.client.post(gw.graphql_url, json=VENDORS, headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream") is streamed
    if streamed:
        # Comments (the opening ping) are no events: clients skip them.
        events = [e for e in answer.text.split("\n\n") if e and not e.startswith(":")]
        assert events[0].startswith("event: next\ndata: {")
        assert events[-1] == "event: complete\ndata: "
        assert answer.text.endswith("\n\n")
    else:
        assert answer.json()["data"]["vendors"]


def _write_order(order_id: str) -> dict[str, Any]:
    return {
        "query": (
            "mutation($id: String!) { writeOrder(input: { vendor: EXPERTSENDER, mode: ADD, "
            'order: { orderId: $id, createdAt: "2026-11-23T10:15:00+01:00", status: PLACED, '
            'currency: "SEK", total: 10, contact: { email: "jonas.lind@example.com" }, '
            'lines: [{ sku: "SKU-BAG", name: "Bag", quantity: 1, unitPrice: 10, '
            "totalPrice: 10 }] } }) { job { state } errors { code } } }"
        ),
        "variables": {"id": order_id},
    }


def _order_exists(gw: GatewayHandle, order_id: str) -> bool:
    query = "query($id: String!) { order(vendor: EXPERTSENDER, orderId: $id) { orderId } }"
    answer = gw.client.post(gw.graphql_url, json={"query": query, "variables": {"id": order_id}})
    return answer.json()["data"]["order"] is not None


@pytest.mark.parametrize(
    ("name", "refused", "accept", "message"),
    [
        ("subscription", {"query": "subscription { integrationLog { message } }"}, GRJ,
         "streaming transport"),
        ("unknown-name", {**VENDORS, "operationName": "Nope"}, GRJ, "Nope"),
    ],
)  # fmt: skip
def test_an_operation_a_batch_cannot_answer_fails_its_own_entry_and_the_others_answer(
    gw: GatewayHandle, name: str, refused: dict[str, Any], accept: dict[str, str], message: str
) -> None:
    # The batch's other operations run whatever happens to this one, so a refusal of the whole
    # batch would hide that its mutation wrote.
    order_id = f"BATCH-{name}"
    answer = gw.client.post(gw.graphql_url, json=[_write_order(order_id), refused], headers=accept)
    assert answer.status_code == 200
    written, failed = answer.json()
    assert written["data"]["writeOrder"]["job"]["state"] == "COMPLETED"
    assert _order_exists(gw, order_id)
    assert "data" not in failed
    assert codes(failed) == ["BAD_REQUEST"]
    assert message in failed["errors"][0]["message"]
