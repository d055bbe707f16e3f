"""Hostile requests over real HTTP and WebSocket: each is refused with a 4xx, a 44xx close or a
GraphQL error with a code; /healthz keeps answering within a second; memory stays bounded."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from gateway.settings import ClientLimits, QueryLimits
from tests.gateway.e2e.hostile_support import codes, stays_healthy
from tests.gateway.e2e.orders_support import WRITE_ORDER, order_input, requests, reset_requests
from tests.support.gateway import GatewayHandle, sandbox_gateway

GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def fan_out(levels: int) -> str:
    """Fragments each spreading the previous one twice: 2**levels fields once expanded."""
    fragments = ["fragment F0 on Query { vendors { vendor } }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"query {{ ...F{levels - 1} }}\n" + "\n".join(fragments)


def post_raw(gw: GatewayHandle, body: bytes, **headers: str) -> httpx.Response:
    return gw.client.post(
        gw.graphql_url,
        content=body,
        headers={"content-type": "application/json", **GRAPHQL_RESPONSE, **headers},
    )


def assert_refused(response: httpx.Response, *expected_codes: str) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    body: dict[str, Any] = response.json()
    assert body["errors"], body
    assert "INTERNAL" not in codes(body)
    if expected_codes:
        assert set(codes(body)) <= set(expected_codes), body
    return body


# --- validation that cannot blow up -----------------------------------------------------------


@pytest.mark.parametrize("levels", [31, 61])
def test_fragment_fan_out_is_refused_at_once(gw: GatewayHandle, levels: int) -> None:
    document = fan_out(levels)
    assert len(document) < 3000
    with stays_healthy(gw):
        started = time.perf_counter()
        response = gw.client.post(
            gw.graphql_url, json={"query": document}, headers=GRAPHQL_RESPONSE, timeout=5.0
        )
        elapsed = time.perf_counter() - started
    body = assert_refused(response, "GRAPHQL_VALIDATION_FAILED")
    assert "fields once its fragments are spread" in body["errors"][0]["message"]
    print(f"fan-out of {levels} fragments refused in {elapsed * 1000:.1f} ms")


def test_one_field_repeated_hundreds_of_times_is_refused_before_the_standard_rules(
    gw: GatewayHandle,
) -> None:
    # Within the token limit; graphql-core's overlapping-fields rule alone took a second on it.
    document = "{ " + "vendors { vendor } " * 490 + "}"
    with stays_healthy(gw):
        response = gw.client.post(
            gw.graphql_url, json={"query": document}, headers=GRAPHQL_RESPONSE
        )
    body = assert_refused(response, "GRAPHQL_VALIDATION_FAILED")
    assert "490 times in one selection set" in body["errors"][0]["message"]


def test_aliases_are_counted_through_fragments(gw: GatewayHandle) -> None:
    aliased = " ".join(f"a{i}: vendors {{ vendor }}" for i in range(4))
    document = (
        "query { ...F3 }\nfragment F0 on Query { " + aliased + " }\n"
        "fragment F1 on Query { ...F0 ...F0 }\nfragment F2 on Query { ...F1 ...F1 }\n"
        "fragment F3 on Query { ...F2 ...F2 }"
    )
    body = assert_refused(
        gw.client.post(gw.graphql_url, json={"query": document}, headers=GRAPHQL_RESPONSE),
        "GRAPHQL_VALIDATION_FAILED",
    )
    assert "32 aliases" in body["errors"][0]["message"]


def test_introspection_still_passes_the_depth_limit(gw: GatewayHandle) -> None:
    from graphql import get_introspection_query

    result = gw.post(get_introspection_query())
    assert "errors" not in result and result["data"]["__schema"]["queryType"]["name"] == "Query"


# --- cost before execution --------------------------------------------------------------------


AMPLIFICATION = (
    "query($ids: [String!]!) { "
    + " ".join(f"a{i}: orders(vendor: ENGAGE, orderIds: $ids) {{ orderId }}" for i in range(30))
    + " }"
)


def test_thirty_times_a_hundred_ids_is_refused_before_any_vendor_call(gw: GatewayHandle) -> None:
    reset_requests(gw)
    ids = [f"ENG-{n:0>300}"[-128:] for n in range(100)]
    with stays_healthy(gw):
        response = gw.client.post(
            gw.graphql_url,
            json={"query": AMPLIFICATION, "variables": {"ids": ids}},
            headers=GRAPHQL_RESPONSE,
        )
    body = assert_refused(response, "MAX_COST_EXCEEDED")
    error = body["errors"][0]
    assert "3000" in error["message"] and "300" in error["message"]
    assert error["extensions"]["cost"] == {"estimated": 3000, "limit": 300}
    assert requests(gw, Vendor.ENGAGE)["total"] == 0


def test_cost_is_reported_when_asked(gw: GatewayHandle) -> None:
    reset_requests(gw)
    response = gw.client.post(
        gw.graphql_url,
        json={
            "query": '{ orders(vendor: ENGAGE, orderIds: ["ENG-1001", "ENG-1002"]) '
            "{ orderId contact { email } } }",
            "extensions": {"cost": True},
        },
    )
    body = response.json()
    assert body["data"]["orders"][0]["orderId"] == "ENG-1001"
    cost = body["extensions"]["cost"]
    assert cost["estimated"] == 4 and cost["limit"] == 300
    assert 1 <= cost["actual"] <= 4
    assert "extensions" not in gw.post('{ order(vendor: ENGAGE, orderId: "ENG-1001") { id } }')


def test_vendor_calls_are_capped_at_run_time() -> None:
    # The estimate lets it through; the cap on calls actually made stops it.
    with sandbox_gateway(
        limits=QueryLimits(max_cost=1000, max_vendor_calls=3), cache_ttl_s=0
    ) as gw:
        reset_requests(gw)
        ids = [f"ENG-100{n}" for n in range(1, 5)] + ["ENG-2001", "ENG-2002"]
        result = gw.post(
            "query($ids: [String!]!) { orders(vendor: ENGAGE, orderIds: $ids) { orderId } }",
            {"ids": ids},
        )
        assert "MAX_COST_EXCEEDED" in codes(result)
        assert requests(gw, Vendor.ENGAGE)["total"] == 0


# --- fairness between clients -----------------------------------------------------------------


def test_a_client_over_its_share_is_rate_limited_and_others_are_not() -> None:
    query = '{ orders(vendor: ENGAGE, orderIds: ["ENG-1001", "ENG-1002", "ENG-1003"]) { orderId } }'
    with sandbox_gateway(clients=ClientLimits(cost_rate=0.5, cost_burst=5)) as gw:
        first = gw.client.post(gw.graphql_url, json={"query": query})
        assert first.status_code == 200 and first.json()["data"]["orders"][0]
        second = gw.client.post(gw.graphql_url, json={"query": query}, headers=GRAPHQL_RESPONSE)
        assert second.status_code == 429
        body = assert_refused(second, "RATE_LIMITED")
        retry_after = int(second.headers["retry-after"])
        assert 1 <= retry_after <= 10
        assert body["errors"][0]["extensions"]["retryAfter"] == retry_after
        # Until then it is refused before its request is even read, whatever it asks.
        again = gw.client.post(gw.graphql_url, json={"query": "{ vendors { vendor } }"})
        assert again.status_code == 429 and 1 <= int(again.headers["retry-after"]) <= retry_after
        assert codes(again.json()) == ["RATE_LIMITED"]
        # Another client (another address) still has its whole share.
        other_address = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(transport=other_address, timeout=10) as other:
            answer = other.post(gw.graphql_url, json={"query": query})
        assert answer.status_code == 200 and answer.json()["data"]["orders"][0]


# --- input limits -----------------------------------------------------------------------------


def test_an_id_over_64_kb_is_refused_without_a_vendor_call(gw: GatewayHandle) -> None:
    reset_requests(gw)
    for vendor in Vendor:
        result = gw.post(
            "query($v: Vendor!, $id: String!) { order(vendor: $v, orderId: $id) { id } }",
            {"v": vendor.value, "id": "x" * 70_000},
        )
        assert codes(result) == ["BAD_USER_INPUT"], result
        assert "limit is 128" in result["errors"][0]["message"]
        assert requests(gw, vendor)["total"] == 0


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [("orderId", "o" * 129, 128), ("email", "e" * 310 + "@example.com", 320)],
)
def test_inputs_past_the_vendor_limits_are_refused(
    gw: GatewayHandle, field: str, value: str, limit: int
) -> None:
    reset_requests(gw)
    order = order_input(Vendor.ENGAGE, "HOSTILE-1")
    if field == "email":
        order["contact"] = {"email": value}
    else:
        order[field] = value
    result = gw.post(WRITE_ORDER, {"input": {"vendor": "ENGAGE", "mode": "ADD", "order": order}})
    assert codes(result) == ["BAD_USER_INPUT"]
    assert f"limit is {limit}" in result["errors"][0]["message"]
    assert requests(gw, Vendor.ENGAGE)["total"] == 0


@pytest.mark.parametrize("order_id", [".", "..", "./x", "%2e"])
def test_an_id_the_vendor_refuses_is_a_client_error(gw: GatewayHandle, order_id: str) -> None:
    for vendor in Vendor:
        result = gw.post(
            "query($v: Vendor!, $ids: [String!]!) { orders(vendor: $v, orderIds: $ids) { id } }",
            {"v": vendor.value, "ids": [order_id]},
        )
        assert "INTERNAL" not in codes(result), (vendor, result)


def test_an_id_at_the_limit_is_accepted(gw: GatewayHandle) -> None:
    result = gw.post(
        "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { id } }", {"id": "o" * 128}
    )
    assert result == {"data": {"order": None}}


def test_huge_refused_writes_do_not_grow_memory(gw: GatewayHandle) -> None:
    order = order_input(Vendor.EXPERTSENDER, "x" * 900_000)
    body = json.dumps(
        {
            "query": WRITE_ORDER,
            "variables": {"input": {"vendor": "EXPERTSENDER", "mode": "ADD", "order": order}},
        }
    ).encode()
    with stays_healthy(gw):
        for _ in range(60):
            response = post_raw(gw, body)
            assert_refused(response, "BAD_USER_INPUT")


# --- no 5xx from any body ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b'"a string"',
        b"[1, 2]",
        b'{"query": "{ vendors { vendor } }\xff\xfe"}',
        b'{"query": "query($v: JSON) { __typename }", "variables": {"v": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}}",
        b"[" * 100_000,
    ],
    ids=["null", "string", "array of numbers", "invalid UTF-8", "variables 5000 deep", "100k ["],
)
def test_malformed_bodies_get_400(gw: GatewayHandle, body: bytes) -> None:
    with stays_healthy(gw):
        response = post_raw(gw, body)
    assert response.status_code == 400, response.text[:300]
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("where", ["query", "variable"])
def test_a_lone_surrogate_is_a_client_error(gw: GatewayHandle, where: str) -> None:
    reset_requests(gw)
    if where == "query":
        body = b'{"query": "{ order(vendor: ENGAGE, orderId: \\"\\ud800\\") { id } }"}'
    else:
        body = (
            b'{"query": "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { id } }",'
            b' "variables": {"id": "A\\ud800"}}'
        )
    response = post_raw(gw, body)
    assert response.status_code < 500, response.text[:300]
    result = response.json()
    assert result["errors"] and "INTERNAL" not in codes(result), result


def test_a_huge_operation_name_is_not_echoed(gw: GatewayHandle) -> None:
    name = "A" * 500_000
    response = gw.client.post(
        gw.graphql_url, json={"query": "{ vendors { vendor } }", "operationName": name}
    )
    assert 400 <= response.status_code < 500
    assert len(response.content) < 2000
    assert "AAAA" in response.text  # still says which name, cut short


# --- nothing internal leaks -------------------------------------------------------------------


def test_no_server_software_header(gw: GatewayHandle) -> None:
    for response in (gw.client.get(f"{gw.url}/healthz"), post_raw(gw, b"null")):
        assert "server" not in response.headers


def test_vendor_failures_name_the_vendor_not_its_paths_or_libraries() -> None:
    with sandbox_gateway(cache_ttl_s=0) as gw:
        faults = f"{gw.engage_url}/_sandbox/faults"
        gw.client.put(faults, json={"drop_rate": 1.0}).raise_for_status()
        try:
            result = gw.post('{ order(vendor: ENGAGE, orderId: "ENG-1001") { id } }')
            log = gw.post("{ integrationLog(first: 20) { edges { node { message details } } } }")
        finally:
            gw.client.put(faults, json={"drop_rate": 0.0})
    assert result["errors"][0]["extensions"]["vendor"] == "ENGAGE"
    message = result["errors"][0]["message"]
    assert "Engage" in message
    shown = json.dumps(result) + json.dumps(
        [edge["node"]["message"] for edge in log["data"]["integrationLog"]["edges"]]
    )
    for internal in ("RemoteProtocolError", "httpx", "/api/v3", "GET ", "127.0.0.1"):
        assert internal not in shown, (internal, shown[:500])


# --- introspection is a setting ---------------------------------------------------------------


def test_introspection_can_be_turned_off() -> None:
    with sandbox_gateway(introspection=False) as gw:
        result = gw.post("{ __schema { queryType { name } } }")
        assert result["errors"] and "introspection" in result["errors"][0]["message"].lower()
        assert gw.post("{ vendors { vendor } }")["data"]["vendors"]
