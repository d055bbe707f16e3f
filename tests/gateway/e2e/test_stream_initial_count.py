"""``@stream(initialCount:)`` below zero is the client's mistake: a ``BAD_USER_INPUT`` error
naming the argument, never a masked ``INTERNAL`` one (graphql-core raises a plain ValueError)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.gateway import GatewayHandle, sandbox_gateway

IDS = '["ENG-1001", "ENG-1002"]'
LITERAL = f"{{ orders(vendor: ENGAGE, orderIds: {IDS}) @stream(initialCount: -1) {{ orderId }} }}"
VARIABLE = (
    f"query Streamed($count: Int!) {{ orders(vendor: ENGAGE, orderIds: {IDS}) "
    "@stream(initialCount: $count) { orderId } }"
)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


@pytest.mark.parametrize(
    ("query", "variables"), [(LITERAL, {}), (VARIABLE, {"count": -3})], ids=["literal", "variable"]
)
def test_a_negative_initial_count_is_bad_user_input(
    gw: GatewayHandle, query: str, variables: dict[str, Any]
) -> None:
    body = gw.post(query, variables)
    assert body["data"] is None, body  # `orders` is non-null: its error nulls the whole answer
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert "initialCount" in error["message"]
    assert error["path"] == ["orders"]


def test_zero_still_streams_every_item(gw: GatewayHandle) -> None:
    response = gw.client.post(
        gw.graphql_url,
        json={"query": VARIABLE, "variables": {"count": 0}},
        headers={"accept": "multipart/mixed"},
    )
    assert response.headers["content-type"].startswith("multipart/mixed")
    assert '"ENG-1001"' in response.text and '"ENG-1002"' in response.text
    assert "errors" not in response.text
