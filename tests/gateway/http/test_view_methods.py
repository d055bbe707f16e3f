"""Methods on ``/graphql`` besides GET and POST, over real loopback HTTP against the sandbox.

HEAD answers what GET would, without the body (HTTP: HEAD mirrors GET's status and headers);
every other method is refused with 405, a GraphQL-shaped error body and an ``Allow`` header
naming the methods that are allowed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.gateway import GatewayHandle, sandbox_gateway

QUERY = "{ vendors { vendor } }"
MUTATION = """mutation {
  deleteOrder(input: {vendor: ENGAGE, orderId: "ENG-1001"}) { errors { code } }
}"""
ALLOWED = "GET, HEAD, POST"
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"
# Headers that describe the answer, not this one sending of it.
_DESCRIBING = ("content-type", "content-length", "allow", "vary", "cache-control")


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def _describing(response: httpx.Response) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in _DESCRIBING}


@pytest.mark.parametrize(
    ("params", "accept"),
    [
        ({"query": QUERY}, "application/graphql-response+json"),
        ({"query": QUERY}, "application/json"),
        ({"query": "{ nope }"}, "application/graphql-response+json"),
        ({"query": MUTATION}, "application/json"),
        ({}, BROWSER),
        ({}, "application/json"),
    ],
    ids=["query", "legacy query", "invalid query", "mutation", "graphiql", "nothing to run"],
)
def test_head_answers_what_get_would_without_a_body(
    gw: GatewayHandle, params: dict[str, str], accept: str
) -> None:
    headers = {"accept": accept}
    get = gw.client.get(gw.graphql_url, params=params, headers=headers)
    head = gw.client.head(gw.graphql_url, params=params, headers=headers)
    assert head.status_code == get.status_code, head.headers
    assert _describing(head) == _describing(get)
    assert head.content == b""


def test_head_of_a_subscription_stream_answers_its_headers(gw: GatewayHandle) -> None:
    params = {"query": "subscription { integrationLog { code } }"}
    head = gw.client.head(gw.graphql_url, params=params, headers={"accept": "text/event-stream"})
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/event-stream")
    # The subscription behind it ends, though the client keeps the connection open.
    deadline = time.monotonic() + 10.0
    while _subscriptions_open(gw) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _subscriptions_open(gw) == 0


def _subscriptions_open(gw: GatewayHandle) -> float:
    text = gw.client.get(f"{gw.url}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "order_gateway_subscriptions_open"
    )


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
def test_other_methods_answer_405_naming_the_allowed_ones(gw: GatewayHandle, method: str) -> None:
    response = gw.client.request(method, gw.graphql_url, json={"query": QUERY})
    assert response.status_code == 405
    assert response.headers["allow"] == ALLOWED
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "GET" in error["message"] and "POST" in error["message"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_mutation_by_get_or_head_answers_405_allowing_post(
    gw: GatewayHandle, method: str
) -> None:
    response = gw.client.request(method, gw.graphql_url, params={"query": MUTATION})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    "accept", ["text/event-stream", "multipart/mixed;subscriptionSpec=1.0, application/json"]
)
def test_a_mutation_by_get_or_head_asking_for_a_stream_answers_405_allowing_post(
    gw: GatewayHandle, method: str, accept: str
) -> None:
    # It answered 200 with the refusal as an event, the stream's headers already sent.
    response = gw.client.request(
        method, gw.graphql_url, params={"query": MUTATION}, headers={"accept": accept}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    if method == "GET":
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert "mutations are not allowed when using GET" in error["message"]
