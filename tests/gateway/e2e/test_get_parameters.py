"""A GET request's ``variables`` and ``extensions`` query parameters: a value that is not a JSON
object is a 400 whose message names the parameter (a GET has no body to blame)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.gateway import GatewayHandle, sandbox_gateway

QUERY = "query Order($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId } }"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def test_variables_as_a_json_object_are_used(gw: GatewayHandle) -> None:
    response = gw.client.get(
        gw.graphql_url, params={"query": QUERY, "variables": '{"id": "ENG-1001"}'}
    )
    assert response.json() == {"data": {"order": {"orderId": "ENG-1001"}}}


@pytest.mark.parametrize("parameter", ["variables", "extensions"])
@pytest.mark.parametrize("value", ["{not json", "[1, 2]", "5", '"text"', "null x", '[{"a": 1}]'])
def test_a_parameter_that_is_no_json_object_is_named(
    gw: GatewayHandle, parameter: str, value: str
) -> None:
    response = gw.client.get(gw.graphql_url, params={"query": QUERY, parameter: value})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert f"`{parameter}` query parameter" in error["message"], error
    assert "body" not in error["message"]
