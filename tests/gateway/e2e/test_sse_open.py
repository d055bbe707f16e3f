"""An SSE subscription with nothing to say yet is open at once: its headers (and a comment)
go out when it starts, not with its first event or heartbeat."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.gateway import GatewayHandle, sandbox_gateway

# Far beyond the wait below: a stream that only opened with its first heartbeat stays shut.
HEARTBEAT_S = 120.0
OPEN_WITHIN_S = 10.0


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(ws_keepalive_s=HEARTBEAT_S) as handle:
        yield handle


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_an_idle_sse_subscription_is_open_before_its_first_event(
    gw: GatewayHandle, method: str
) -> None:
    query = 'subscription { integrationLog(filter: { orderId: "never-written" }) { code } }'
    request: dict[str, object] = (
        {"json": {"query": query}} if method == "POST" else {"params": {"query": query}}
    )
    timeout = httpx.Timeout(OPEN_WITHIN_S)
    with (
        httpx.Client(timeout=timeout) as client,
        client.stream(
            method,
            gw.graphql_url,
            headers={"Accept": "text/event-stream"},
            **request,  # type: ignore[arg-type]
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        first = next(response.iter_lines())
        assert first.startswith(":"), first
