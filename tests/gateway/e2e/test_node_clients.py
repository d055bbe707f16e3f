"""The clients frontend teams already use, from npm, against a running sandbox gateway.

Each case runs ``tests/node/clients/run.mjs`` (urql, Apollo Client, graphql-request, graphql-ws,
graphql-sse) with the client's own defaults and asserts on what the client itself reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.node import run_client_case

ENGAGE_EMAIL = "anna.berg@example.com"
EXPERTSENDER_EMAIL = "jonas.lind@example.com"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(batch_max=5) as handle:
        yield handle


def new_order_id(prefix: str) -> str:
    return f"NODE-{prefix}-{next(_ids):03d}"


def assert_contact(data: dict[str, Any] | None) -> None:
    assert data is not None
    contact = data["contact"]
    assert contact["email"] == ENGAGE_EMAIL
    assert len(contact["orders"]["edges"]) == 2
    assert contact["orders"]["pageInfo"]["hasNextPage"] is True


def finished_job(gw: GatewayHandle, prefix: str) -> str:
    """A job id of an ExpertSender write: that vendor answers at once, so it is final."""
    result = gw.post(
        "mutation($i: WriteOrderInput!) { writeOrder(input: $i) { job { id state } } }",
        {
            "i": {
                "vendor": "EXPERTSENDER",
                "mode": "ADD",
                "order": {
                    "orderId": new_order_id(prefix),
                    "createdAt": "2026-11-23T10:15:00+01:00",
                    "currency": "SEK",
                    "total": 1,
                    "contact": {"email": EXPERTSENDER_EMAIL},
                    "lines": [
                        {
                            "sku": "SKU-1",
                            "name": "Socks",
                            "quantity": 1,
                            "unitPrice": 1,
                            "totalPrice": 1,
                        }
                    ],
                },
            }
        },
    )
    job = result["data"]["writeOrder"]["job"]
    assert job["state"] == "COMPLETED", result
    job_id: str = job["id"]
    return job_id


def test_urql_query_with_default_settings(gw: GatewayHandle) -> None:
    seen = run_client_case("urql-query", gw.graphql_url, email=ENGAGE_EMAIL)
    assert seen["error"] is None, seen
    assert_contact(seen["data"])
    # urql lists text/event-stream among its accepted types; a plain query still answers JSON.
    assert "text/event-stream" in seen["exchanges"][0]["accept"]
    assert seen["exchanges"][0]["contentType"].startswith("application/graphql-response+json")


def test_urql_mutation_with_default_settings(gw: GatewayHandle) -> None:
    order_id = new_order_id("URQL")
    seen = run_client_case("urql-mutation", gw.graphql_url, orderId=order_id)
    assert seen["error"] is None, seen
    payload = seen["data"]["writeOrder"]
    assert payload["errors"] == []
    assert payload["job"]["orderId"] == order_id
    assert len(seen["exchanges"]) == 1


def test_urql_subscription_over_fetch(gw: GatewayHandle) -> None:
    job_id = finished_job(gw, "URQL-SUB")
    seen = run_client_case("urql-subscription", gw.graphql_url, jobId=job_id)
    assert seen["results"], seen
    assert all(r["error"] is None for r in seen["results"]), seen
    assert seen["results"][-1]["data"]["jobProgress"] == {
        "id": job_id,
        "state": "COMPLETED",
        "orderId": seen["results"][-1]["data"]["jobProgress"]["orderId"],
    }
    assert seen["exchanges"][0]["contentType"].startswith("text/event-stream")


def test_apollo_http_link_query_and_mutation(gw: GatewayHandle) -> None:
    order_id = new_order_id("APOLLO")
    seen = run_client_case("apollo-http", gw.graphql_url, email=ENGAGE_EMAIL, orderId=order_id)
    assert seen.get("crashed") is None, seen
    assert seen["query"]["error"] is None
    assert_contact(seen["query"]["data"])
    assert seen["mutation"]["data"]["writeOrder"]["job"]["orderId"] == order_id


def test_apollo_batch_http_link(gw: GatewayHandle) -> None:
    seen = run_client_case("apollo-batch", gw.graphql_url, email=ENGAGE_EMAIL)
    assert [r["error"] for r in seen["results"]] == [None, None], seen
    assert_contact(seen["results"][0]["data"])
    assert {v["vendor"] for v in seen["results"][1]["data"]["vendors"]} == {
        "ENGAGE",
        "EXPERTSENDER",
    }
    # Both operations travelled in one request.
    assert len(seen["exchanges"]) == 1
    assert isinstance(seen["exchanges"][0]["body"], list)
    assert len(seen["exchanges"][0]["body"]) == 2


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_apollo_persisted_queries_link(method: str) -> None:
    # A fresh gateway per method, so the first request is a miss for both.
    with sandbox_gateway() as gw:
        seen = run_client_case(
            "apollo-apq", gw.graphql_url, email=ENGAGE_EMAIL, get=method == "GET"
        )
    assert [r["error"] for r in seen["runs"]] == [None, None], seen
    for run in seen["runs"]:
        assert_contact(run["data"])
    exchanges = seen["exchanges"]
    # Miss (hash only) -> the full document -> a later hit (hash only).
    assert [e["method"] for e in exchanges] == [method, "POST", method]
    sent = [e["body"] or e["query"] for e in exchanges]
    assert "query" not in sent[0] and "query" not in sent[2]
    assert sent[1]["query"]
    assert seen["missed"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert exchanges[2]["status"] == 200


def test_graphql_request_query_mutation_and_error(gw: GatewayHandle) -> None:
    order_id = new_order_id("GQLREQ")
    seen = run_client_case("graphql-request", gw.graphql_url, email=ENGAGE_EMAIL, orderId=order_id)
    assert seen.get("crashed") is None, seen
    assert_contact(seen["query"])
    assert seen["mutation"]["writeOrder"]["job"]["orderId"] == order_id
    failure = seen["failure"]
    assert failure["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_graphql_ws_subscription(gw: GatewayHandle) -> None:
    job_id = finished_job(gw, "WS")
    seen = run_client_case("graphql-ws", gw.graphql_url, jobId=job_id)
    assert seen["results"][-1]["data"]["jobProgress"]["state"] == "COMPLETED", seen


def test_graphql_sse_subscription(gw: GatewayHandle) -> None:
    job_id = finished_job(gw, "SSE")
    seen = run_client_case("graphql-sse", gw.graphql_url, jobId=job_id)
    assert seen["results"][-1]["data"]["jobProgress"]["state"] == "COMPLETED", seen


@pytest.mark.parametrize("case", ["urql-defer", "apollo-defer"])
def test_defer_read_by_the_client(gw: GatewayHandle, case: str) -> None:
    seen = run_client_case(case, gw.graphql_url, email=EXPERTSENDER_EMAIL, orderId="ENG-1004")
    results = seen["results"]
    assert all(r["error"] is None for r in results), seen
    assert len(results) >= 2, seen
    assert results[0]["data"]["contact"]["email"] == EXPERTSENDER_EMAIL
    assert "order" not in results[0]["data"]
    assert results[-1]["data"]["order"]["orderId"] == "ENG-1004"
    assert seen["exchanges"][0]["contentType"].startswith("multipart/mixed")


def test_apollo_subscription_over_http_link(gw: GatewayHandle) -> None:
    job_id = finished_job(gw, "APOLLO-SUB")
    seen = run_client_case("apollo-subscription", gw.graphql_url, jobId=job_id)
    assert seen["results"], seen
    assert all(r["error"] is None for r in seen["results"]), seen
    assert seen["results"][-1]["data"]["jobProgress"]["state"] == "COMPLETED"
    assert seen["exchanges"][0]["contentType"].startswith("multipart/mixed")
