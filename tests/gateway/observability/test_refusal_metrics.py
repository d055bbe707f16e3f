"""Requests refused before any operation runs (unreadable body, wrong content type, too large,
over the client's request rate) are errors returned to clients too: ``errors_total`` counts
them by their code, or a gateway answering nothing but 4xx would show no errors at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.auth.settings import ClientLimitSettings
from gateway.settings import QueryLimits
from tests.support.gateway import GatewayHandle, sandbox_gateway

JSON = {"content-type": "application/json"}
PLAIN_TEXT = {"content-type": "text/plain"}


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(limits=QueryLimits(max_body_bytes=10_000)) as handle:
        yield handle


def graphql_errors(gw: GatewayHandle) -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in gw.client.get(f"{gw.url}/metrics").text.splitlines():
        if line.startswith("order_gateway_errors_total{") and 'kind="graphql"' in line:
            code = line.split('code="', 1)[1].split('"', 1)[0]
            counts[code] = float(line.rsplit(" ", 1)[1])
    return counts


def grown_since(gw: GatewayHandle, before: dict[str, float]) -> dict[str, float]:
    after = graphql_errors(gw)
    return {code: after[code] - before.get(code, 0.0) for code in after}


def test_refusals_before_any_operation_are_counted(gw: GatewayHandle) -> None:
    before = graphql_errors(gw)
    statuses = [
        gw.client.post(gw.graphql_url, content=b"{not json", headers=JSON).status_code,
        gw.client.post(
            gw.graphql_url, content=b"{}", headers={"content-type": "text/plain"}
        ).status_code,
        gw.client.post(gw.graphql_url, content=b" " * 20_000, headers=JSON).status_code,
    ]
    assert statuses == [400, 415, 413]
    grown = grown_since(gw, before)
    assert grown == {"BAD_REQUEST": 2, "PAYLOAD_TOO_LARGE": 1}, grown


def test_a_request_over_the_client_rate_is_counted() -> None:
    with sandbox_gateway(client_limits=ClientLimitSettings(requests_per_s=1)) as gw:
        before = graphql_errors(gw)
        body = {"query": "{ vendors { vendor } }"}
        statuses = [gw.client.post(gw.graphql_url, json=body).status_code for _ in range(3)]
        refused = statuses.count(429)
        assert refused >= 1, statuses
        assert grown_since(gw, before).get("RATE_LIMITED") == refused
