"""The gateway never answers in a media type the client refused (``q=0``), on any path to
``/graphql``, and answers 406 before running anything when the client accepts none of the types
it could answer in: over real loopback HTTP against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from gateway.http.view import SUBSCRIPTION_TRANSPORTS
from gateway.settings import QueryLimits
from tests.gateway.e2e.orders_support import requests, reset_requests
from tests.support.gateway import GatewayHandle, sandbox_gateway

NO_LEGACY_JSON = "application/json;q=0, application/graphql-response+json"
NO_GRAPHQL_RESPONSE_JSON = "application/graphql-response+json;q=0, application/json"
LIMITS = QueryLimits(max_body_bytes=8192)
QUERY = "{ vendors { vendor } }"
DELETE = """mutation {
  deleteOrder(input: {vendor: ENGAGE, orderId: "ENG-1001"}) { errors { code } }
}"""
AS_JSON = {"content-type": "application/json"}
AS_TEXT = {"content-type": "text/plain"}
SUBSCRIPTION = "subscription { integrationLog { code } }"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(limits=LIMITS, batch_max=3) as handle:
        yield handle


def media_type(response: httpx.Response) -> str | None:
    value = response.headers.get("content-type")
    return None if value is None else value.split(";")[0].strip()


# Every way a request to /graphql is answered: (name, method, request arguments, status).
PATHS: list[tuple[str, str, dict[str, Any], int]] = [
    ("a query", "POST", {"json": {"query": QUERY}}, 200),
    ("a syntax error", "POST", {"json": {"query": "{ vendors {"}}, 400),
    ("a validation error", "POST", {"json": {"query": "{ nope }"}}, 400),
    ("a request without a query", "POST", {"json": {}}, 400),
    ("a body that is no JSON", "POST", {"content": b"{", "headers": AS_JSON}, 400),
    ("an unsupported content type", "POST", {"content": b"{}", "headers": AS_TEXT}, 415),
    ("a subscription over plain HTTP", "POST", {"json": {"query": SUBSCRIPTION}}, 400),
    ("a batch", "POST", {"json": [{"query": QUERY}, {"query": QUERY}]}, 200),
    ("a body over the limit", "POST", {"json": {"query": QUERY + " " * 10_000}}, 413),
    ("a GET query", "GET", {"params": {"query": QUERY}}, 200),
    ("a GET mutation", "GET", {"params": {"query": DELETE}}, 405),
    ("another method", "PUT", {"json": {"query": QUERY}}, 405),
]  # fmt: skip


def _send(gw: GatewayHandle, accept: str, method: str, arguments: dict[str, Any]) -> httpx.Response:
    arguments = dict(arguments)
    headers = {**arguments.pop("headers", {}), "accept": accept}
    return gw.client.request(method, gw.graphql_url, headers=headers, **arguments)


@pytest.mark.parametrize(
    ("accept", "refused", "chosen"),
    [
        (NO_LEGACY_JSON, "application/json", "application/graphql-response+json"),
        (NO_GRAPHQL_RESPONSE_JSON, "application/graphql-response+json", "application/json"),
    ],
)
@pytest.mark.parametrize(
    ("name", "method", "arguments", "status"), PATHS, ids=[path[0] for path in PATHS]
)
def test_every_answer_is_in_a_media_type_the_client_did_not_refuse(
    gw: GatewayHandle,
    accept: str,
    refused: str,
    chosen: str,
    name: str,
    method: str,
    arguments: dict[str, Any],
    status: int,
) -> None:
    response = _send(gw, accept, method, arguments)
    if chosen == "application/json" and status == 400 and "error" in name:
        status = 200  # request errors in legacy JSON answer 200 (GraphQL over HTTP)
    assert response.status_code == status, response.text
    assert media_type(response) == chosen, (name, response.headers)
    assert response.json()


ONLY_REFUSED = [
    "application/json;q=0",
    "application/json;q=0, application/graphql-response+json;q=0",
    "*/*;q=0",
    "text/html",
    "image/png, text/csv",
]


@pytest.mark.parametrize("accept", ONLY_REFUSED)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_client_that_accepts_none_of_the_answers_gets_406(
    gw: GatewayHandle, accept: str, method: str
) -> None:
    arguments: dict[str, Any] = (
        {"json": {"query": QUERY}} if method == "POST" else {"params": {"query": QUERY}}
    )
    response = _send(gw, accept, method, arguments)
    assert response.status_code == 406, response.text
    answered_in = media_type(response)
    if answered_in is None:
        assert response.content == b""
    else:
        assert answered_in in {"application/json", "application/graphql-response+json"}
        assert f"{answered_in};q=0" not in accept and accept != "*/*;q=0"
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_mutation_whose_answer_the_client_refuses_never_runs(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    response = _send(gw, "application/json;q=0", "POST", {"json": {"query": DELETE}})
    assert response.status_code == 406, response.text
    assert [e for e in requests(gw, Vendor.ENGAGE)["log"] if e["method"] == "DELETE"] == []


def test_a_browser_refusing_every_type_gets_no_graphiql_page(gw: GatewayHandle) -> None:
    response = _send(gw, "*/*;q=0", "GET", {})
    assert response.status_code == 406
    assert media_type(response) != "text/html"


def test_a_browser_still_gets_the_graphiql_page(gw: GatewayHandle) -> None:
    response = _send(gw, "text/html,application/xhtml+xml,*/*;q=0.8", "GET", {})
    assert response.status_code == 200
    assert media_type(response) == "text/html"


def test_a_client_accepting_only_an_event_stream_gets_one(gw: GatewayHandle) -> None:
    response = _send(gw, "text/event-stream", "POST", {"json": {"query": QUERY}})
    assert response.status_code == 200
    assert media_type(response) == "text/event-stream"
    assert '"vendor":"ENGAGE"' in response.text


def test_a_client_refusing_html_gets_no_graphiql_page(gw: GatewayHandle) -> None:
    response = _send(gw, "application/json, text/html;q=0", "GET", {})
    assert response.status_code == 400
    assert media_type(response) == "application/json"
    assert response.json()["errors"][0]["message"] == "No GraphQL query found in the request"


DEFERRED = """query($on: Boolean! = true) {
  vendors { vendor }
  ... @defer(if: $on) { contact(vendor: EXPERTSENDER, email: "jonas.lind@example.com") { email } }
}"""


@pytest.mark.parametrize(
    "accept", ["multipart/mixed;q=0, application/json", "application/graphql-response+json"]
)
def test_defer_to_a_client_not_taking_multipart_answers_406(gw: GatewayHandle, accept: str) -> None:
    response = _send(gw, accept, "POST", {"json": {"query": DEFERRED}})
    assert response.status_code == 406, response.text
    assert media_type(response) in {"application/json", "application/graphql-response+json"}
    assert "multipart/mixed" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": DEFERRED.replace("$on", "false").replace("(false: Boolean! = true)", "")},
        {"query": DEFERRED, "variables": {"on": False}},
    ],
    ids=["if false", "if a false variable"],
)
def test_defer_switched_off_answers_one_json_document(
    gw: GatewayHandle, body: dict[str, Any]
) -> None:
    response = _send(gw, "application/json", "POST", {"json": body})
    assert response.status_code == 200, response.text
    assert media_type(response) == "application/json"
    assert response.json()["data"]["contact"] == {"email": "jonas.lind@example.com"}


@pytest.mark.parametrize(
    "accept",
    [
        "text/event-stream;q=0, application/json",
        "multipart/mixed;subscriptionSpec=1.0;q=0, application/json",
    ],
)
def test_a_subscription_never_streams_in_a_refused_type(gw: GatewayHandle, accept: str) -> None:
    body = {"query": SUBSCRIPTION}
    headers = {"accept": accept}
    with gw.client.stream("POST", gw.graphql_url, json=body, headers=headers) as response:
        # A stream would not end: only a refusal is read.
        assert response.status_code == 400, response.headers
        response.read()
    assert media_type(response) == "application/json"
    assert response.json()["errors"][0]["message"] == SUBSCRIPTION_TRANSPORTS


@pytest.mark.parametrize("query", [QUERY, DELETE], ids=["query", "mutation"])
def test_an_operation_without_defer_to_a_client_taking_only_multipart_answers_406(
    gw: GatewayHandle, query: str
) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    response = _send(gw, "multipart/mixed;incrementalSpec=v0.2", "POST", {"json": {"query": query}})
    assert response.status_code == 406, response.text
    assert media_type(response) == "application/json"
    assert [e for e in requests(gw, Vendor.ENGAGE)["log"] if e["method"] == "DELETE"] == []


def test_defer_to_a_client_taking_only_multipart_answers_multipart(gw: GatewayHandle) -> None:
    response = _send(
        gw, "multipart/mixed;incrementalSpec=v0.2", "POST", {"json": {"query": DEFERRED}}
    )
    assert response.status_code == 200, response.text
    assert media_type(response) == "multipart/mixed"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        # A q-value that is no number between 0 and 1 weighs as its nearest one (NaN as 0):
        # a stream named with q=nan was chosen over the JSON named before it.
        ("application/json, text/event-stream;q=nan", "application/json"),
        ("text/event-stream;q=nan, application/json;q=0.5", "application/json"),
        ("application/json;q=0.5, text/event-stream;q=-inf", "application/json"),
        ("application/json;q=0.9, text/event-stream;q=7", "text/event-stream"),
    ],
)
def test_a_malformed_q_value_weighs_as_the_nearest_valid_one(
    gw: GatewayHandle, accept: str, expected: str
) -> None:
    answer = gw.client.post(gw.graphql_url, json={"query": QUERY}, headers={"Accept": accept})
    assert answer.status_code == 200
    assert media_type(answer) == expected


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "application/json, multipart/mixed",
        "multipart/mixed;incrementalSpec=v0.2",
    ],
    ids=["json", "json or multipart", "multipart"],
)
def test_a_batch_holding_defer_is_refused_before_any_of_it_runs(
    gw: GatewayHandle, accept: str
) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    batch = [{"query": DELETE}, {"query": DEFERRED}]
    response = _send(gw, accept, "POST", {"json": batch})
    assert response.status_code == 400, response.text
    assert media_type(response) == "application/json"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "batch" in error["message"]
    assert [e for e in requests(gw, Vendor.ENGAGE)["log"] if e["method"] == "DELETE"] == []


TWO_OPERATIONS = """
query Plain { vendors { vendor } }
query Deferred { ...Later }
fragment Later on Query {
  ... @defer { contact(vendor: EXPERTSENDER, email: "jonas.lind@example.com") { email } }
}"""


def test_an_operation_without_defer_beside_one_with_it_answers_json(gw: GatewayHandle) -> None:
    body = {"query": TWO_OPERATIONS, "operationName": "Plain"}
    response = _send(gw, "application/json", "POST", {"json": body})
    assert response.status_code == 200, response.text
    assert media_type(response) == "application/json"
    assert response.json() == {
        "data": {"vendors": [{"vendor": "ENGAGE"}, {"vendor": "EXPERTSENDER"}]}
    }
