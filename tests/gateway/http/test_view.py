"""GraphQL over HTTP as the gateway speaks it, over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.http.negotiation import GRAPHQL_RESPONSE_JSON
from gateway.http.view import SUBSCRIPTION_TRANSPORTS
from gateway.settings import QueryLimits
from tests.support.gateway import GatewayHandle, sandbox_gateway

GRJ = {"accept": GRAPHQL_RESPONSE_JSON}
LEGACY = {"accept": "application/json"}
LIMITS = QueryLimits(max_depth=4, max_tokens=300, max_aliases=3, max_body_bytes=8192)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(limits=LIMITS) as handle:
        yield handle


def post(gw: GatewayHandle, body: Any, headers: dict[str, str]) -> httpx.Response:
    return gw.client.post(gw.graphql_url, json=body, headers=headers)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


# --- content types and status codes ----------------------------------------------------------


@pytest.mark.parametrize("headers", [GRJ, LEGACY])
def test_a_good_query_answers_200_in_the_media_type_asked_for(
    gw: GatewayHandle, headers: dict[str, str]
) -> None:
    response = post(gw, {"query": "{ vendors { vendor sandbox } }"}, headers)
    assert response.status_code == 200
    assert media_type(response) == headers["accept"]
    vendors = {v["vendor"]: v["sandbox"] for v in response.json()["data"]["vendors"]}
    assert vendors == {"ENGAGE": True, "EXPERTSENDER": True}


def test_no_accept_header_gets_application_json(gw: GatewayHandle) -> None:
    response = gw.client.post(
        gw.graphql_url, json={"query": "{ __typename }"}, headers={"accept": ""}
    )
    assert response.status_code == 200
    assert media_type(response) == "application/json"


@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ({"query": "{ vendors { vendor "}, "Syntax Error"),
        ({"query": "{ noSuchField }"}, "Cannot query field 'noSuchField'"),
        (
            {
                "query": 'query($v: Vendor!) { order(vendor: $v, orderId: "x") { id } }',
                "variables": {"v": "NOT_A_VENDOR"},
            },
            "$v",
        ),
        (
            {"query": 'query($v: Vendor!) { order(vendor: $v, orderId: "x") { id } }'},
            "$v",
        ),
    ],
    ids=["parse", "validation", "coercion", "missing-variable"],
)
def test_request_errors_answer_400_without_data_in_graphql_response_json(
    gw: GatewayHandle, body: dict[str, Any], message_part: str
) -> None:
    response = post(gw, body, GRJ)
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE_JSON
    decoded = response.json()
    assert "data" not in decoded
    assert message_part in decoded["errors"][0]["message"]


def test_request_errors_answer_200_without_data_in_legacy_json(gw: GatewayHandle) -> None:
    response = post(gw, {"query": "{ noSuchField }"}, LEGACY)
    assert response.status_code == 200
    assert media_type(response) == "application/json"
    decoded = response.json()
    assert "data" not in decoded
    assert decoded["errors"]


def test_a_field_error_keeps_data_and_answers_200(gw: GatewayHandle) -> None:
    response = post(gw, {"query": '{ vendors { vendor } node(id: "not-an-id") { id } }'}, GRJ)
    assert response.status_code == 200
    decoded = response.json()
    assert decoded["data"]["node"] is None
    assert len(decoded["data"]["vendors"]) == 2
    [error] = decoded["errors"]
    assert error["path"] == ["node"]
    # The gateway's own error is shown as it is, not masked.
    assert error["extensions"]["code"] != "INTERNAL"
    assert error["message"] != "Internal error"


# --- methods -----------------------------------------------------------------------------------


def test_get_runs_a_query(gw: GatewayHandle) -> None:
    response = gw.client.get(gw.graphql_url, params={"query": "{ __typename }"}, headers=GRJ)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_get_refuses_a_mutation_with_405_and_allow_post(gw: GatewayHandle) -> None:
    mutation = (
        'mutation { deleteOrder(input: {vendor: ENGAGE, orderId: "ENG-1001"}) { errors { code } } }'
    )
    response = gw.client.get(gw.graphql_url, params={"query": mutation}, headers=GRJ)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert media_type(response) == GRAPHQL_RESPONSE_JSON
    assert "data" not in response.json()
    # Nothing was deleted: the order still reads back.
    check = post(gw, {"query": '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId } }'}, GRJ)
    assert check.json()["data"]["order"] == {"orderId": "ENG-1001"}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_subscription_over_plain_http_is_told_where_to_go(gw: GatewayHandle, method: str) -> None:
    subscription = "subscription { integrationLog { id } }"
    if method == "GET":
        response = gw.client.get(gw.graphql_url, params={"query": subscription}, headers=GRJ)
    else:
        response = post(gw, {"query": subscription}, GRJ)
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": SUBSCRIPTION_TRANSPORTS, "extensions": {"code": "BAD_REQUEST"}}]
    }


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_answer_405(gw: GatewayHandle, method: str) -> None:
    response = gw.client.request(method, gw.graphql_url, json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.json()["errors"][0]["message"]


def test_an_unsupported_content_type_answers_415(gw: GatewayHandle) -> None:
    response = gw.client.post(
        gw.graphql_url, content=b"{ __typename }", headers={"content-type": "text/plain", **GRJ}
    )
    assert response.status_code == 415
    [error] = response.json()["errors"]
    # "Unsupported content type" alone left the client to guess which one is supported.
    assert "text/plain" in error["message"] and "application/json" in error["message"]


def test_malformed_json_answers_400_with_a_graphql_error_body(gw: GatewayHandle) -> None:
    response = gw.client.post(
        gw.graphql_url, content=b'{"query": ', headers={"content-type": "application/json", **GRJ}
    )
    assert response.status_code == 400
    assert media_type(response) == GRAPHQL_RESPONSE_JSON
    assert "JSON" in response.json()["errors"][0]["message"]


def test_a_batch_is_refused(gw: GatewayHandle) -> None:
    response = post(gw, [{"query": "{ __typename }"}, {"query": "{ __typename }"}], GRJ)
    assert response.status_code == 400
    assert "Batching" in response.json()["errors"][0]["message"]


# --- limits ------------------------------------------------------------------------------------


def test_depth_beyond_the_limit_is_refused_before_any_vendor_call(gw: GatewayHandle) -> None:
    deep = (
        '{ contact(vendor: ENGAGE, email: "anna.berg@example.com") '
        "{ orders { edges { node { contact { email } } } } } }"
    )
    calls_before = gw.client.get(f"{gw.engage_url}/_sandbox/requests").json()["total"]
    response = post(gw, {"query": deep}, GRJ)
    assert response.status_code == 400
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]
    calls_after = gw.client.get(f"{gw.engage_url}/_sandbox/requests").json()["total"]
    assert calls_after == calls_before


def test_a_query_at_the_depth_limit_runs(gw: GatewayHandle) -> None:
    query = '{ order(vendor: ENGAGE, orderId: "ENG-1004") { contact { email } } }'
    response = post(gw, {"query": query}, GRJ)
    assert response.status_code == 200
    assert response.json()["data"]["order"]["contact"]["email"] == "anna.berg@example.com"


def test_too_many_aliases_are_refused(gw: GatewayHandle) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(LIMITS.max_aliases + 1)) + " }"
    response = post(gw, {"query": query}, GRJ)
    assert response.status_code == 400
    assert "aliases" in response.json()["errors"][0]["message"]


def test_too_many_tokens_are_refused(gw: GatewayHandle) -> None:
    query = "{ " + " ".join(["__typename"] * LIMITS.max_tokens) + " }"
    response = post(gw, {"query": query}, GRJ)
    assert response.status_code == 400
    assert "token" in response.json()["errors"][0]["message"].lower()


def test_an_oversized_body_answers_413_with_a_graphql_error(gw: GatewayHandle) -> None:
    padding = "#" * (LIMITS.max_body_bytes + 1)
    response = post(gw, {"query": "{ __typename }\n" + padding}, GRJ)
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert str(LIMITS.max_body_bytes) in error["message"]


def test_an_oversized_chunked_body_answers_413(gw: GatewayHandle) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "x": "'
        for _ in range(LIMITS.max_body_bytes // 1024 + 2):
            yield b"y" * 1024
        yield b'"}'

    response = gw.client.post(
        gw.graphql_url, content=chunks(), headers={"content-type": "application/json", **GRJ}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_body_just_under_the_limit_is_accepted(gw: GatewayHandle) -> None:
    body = '{"query": "{ __typename }", "extensions": {"pad": "'
    body += "z" * (LIMITS.max_body_bytes - len(body) - 3) + '"}}'
    assert len(body.encode()) <= LIMITS.max_body_bytes
    response = gw.client.post(
        gw.graphql_url, content=body.encode(), headers={"content-type": "application/json", **GRJ}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}
