"""Loads for tests of the vendor budget: many reads at once, over real loopback HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.gateway import GatewayHandle

READ = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId total } }"


async def concurrent_reads(
    gw: GatewayHandle, order_ids: list[str], *, query: str = READ
) -> list[dict[str, Any]]:
    """One request per id, all at once; the decoded answers in the order of ``order_ids``."""
    async with httpx.AsyncClient(timeout=60.0) as client:
        answers = await asyncio.gather(
            *(
                client.post(gw.graphql_url, json={"query": query, "variables": {"id": order_id}})
                for order_id in order_ids
            )
        )
    return [answer.json() for answer in answers]
