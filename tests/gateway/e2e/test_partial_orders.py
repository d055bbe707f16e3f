"""``orders(...)`` answers every id it could read; an id that failed gets its own error, with its
path, instead of nulling the answer for all of them.

The failing id is produced on demand by a real loopback proxy in front of the real Engage
emulator: it forwards everything, except that one order's reads, which it answers 503.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.settings import SandboxSettings
from sandbox.engage.app import create_app as create_engage
from tests.support.gateway import TEST_SANDBOX, sandbox_gateway
from tests.support.servers import serve

BROKEN = "ENG-M017"
IDS = [f"ENG-M{n:03d}" for n in range(1, 51)]
QUERY = "query($ids: [String!]!) { orders(vendor: ENGAGE, orderIds: $ids) { orderId } }"


def _proxy(upstream: str) -> Starlette:
    async def forward(request: Request) -> Response:
        if request.method == "GET" and request.url.path == f"/api/v3/orders/{BROKEN}":
            return JSONResponse(
                {"type": "about:blank", "title": "Service Unavailable", "status": 503},
                status_code=503,
                media_type="application/problem+json",
            )
        async with httpx.AsyncClient(base_url=upstream) as client:
            answer = await client.request(
                request.method,
                request.url.path,
                params=request.query_params,
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
                content=await request.body(),
            )
        headers = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() in {"content-type", "location", "retry-after"}
        }
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    methods = ["GET", "POST", "PUT", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


@pytest.fixture
def engage_with_one_broken_order() -> Iterator[str]:
    with serve(create_engage()) as engage, serve(_proxy(engage.url)) as proxy:
        yield proxy.url


def test_one_failing_id_leaves_the_other_49_answered(engage_with_one_broken_order: str) -> None:
    sandbox = SandboxSettings(
        engage_job_delay_ms=TEST_SANDBOX.engage_job_delay_ms,
        engage_url=engage_with_one_broken_order,
    )
    with sandbox_gateway(sandbox=sandbox) as gw:
        result = gw.post(QUERY, {"ids": IDS})
    orders = result["data"]["orders"]
    assert len(orders) == 50
    broken_at = IDS.index(BROKEN)
    assert orders[broken_at] is None
    answered = [o["orderId"] for i, o in enumerate(orders) if i != broken_at]
    assert answered == [oid for oid in IDS if oid != BROKEN]
    (error,) = result["errors"]
    assert error["path"] == ["orders", broken_at]
    assert error["extensions"]["code"] == "VENDOR_UNAVAILABLE"
    assert error["extensions"]["vendor"] == "ENGAGE"
