"""Scenario 5: `writeOrder` ADD throughput, and how long a writer waits to see COMPLETED.

Each request creates a new Engage order (the order id is made unique per request by the Lua
script), so the gateway really posts every one to the emulator and follows its job.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

import websockets

from bench import graphql
from bench.graphql import BenchCheckError

WRITE_MUTATION = """mutation Write($input: WriteOrderInput!) {
  writeOrder(input: $input) { job { id state vendorJobId } errors { code message } }
}"""

WATCH = "subscription Watch($id: ID!) { jobProgress(id: $id) { id state } }"
FINAL_STATES = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"})


def order_input(order_id: str, *, email: str, sku: str, store: str) -> dict[str, Any]:
    return {
        "vendor": "ENGAGE",
        "mode": "ADD",
        "order": {
            "orderId": order_id,
            "createdAt": "2026-01-15T10:30:00+01:00",
            "contact": {"email": email},
            "status": "IN_PROGRESS",
            "currency": "SEK",
            "total": 249.0,
            "storeId": store,
            "channel": "Ecom",
            "lines": [
                {
                    "sku": sku,
                    "name": "Bench article",
                    "quantity": 1,
                    "unitPrice": 249.0,
                    "totalPrice": 249.0,
                }
            ],
        },
    }


def write_body_template(*, email: str, sku: str, store: str) -> str:
    """The mutation body with ``__UNIQUE__`` where the order id goes (see unique_post.lua)."""
    variables = {"input": order_input("BENCH-__UNIQUE__", email=email, sku=sku, store=store)}
    return graphql.body(WRITE_MUTATION, variables)


def create_job(gateway_url: str, order_id: str, order: dict[str, str]) -> dict[str, Any]:
    """Write one order; returns its Job (``id``, ``state``, ``vendorJobId``)."""
    data = graphql.execute(
        gateway_url + "/graphql", WRITE_MUTATION, {"input": order_input(order_id, **order)}
    )
    payload = data["writeOrder"]
    if payload.get("errors") or not payload.get("job"):
        raise BenchCheckError(f"writeOrder {order_id} failed: {json.dumps(payload)[:300]}")
    job: dict[str, Any] = payload["job"]
    return job


async def _write_and_watch(
    ws_url: str, http_url: str, order_id: str, order: dict[str, str], timeout_s: float
) -> float:
    """Seconds from sending the mutation to hearing the job's final state."""
    started = time.perf_counter()
    job = await asyncio.to_thread(create_job, http_url, order_id, order)
    async with websockets.connect(
        ws_url,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        open_timeout=timeout_s,
    ) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        await asyncio.wait_for(socket.recv(), timeout_s)
        await socket.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": WATCH, "variables": {"id": job["id"]}},
                }
            )
        )
        async with asyncio.timeout(timeout_s):
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") == "next":
                    state = message["payload"]["data"]["jobProgress"]["state"]
                    if state in FINAL_STATES:
                        if state != "COMPLETED":
                            raise BenchCheckError(f"job of {order_id} ended {state}")
                        return time.perf_counter() - started
                elif message.get("type") in ("error", "complete"):
                    break
    raise BenchCheckError(f"job of {order_id} ended without a final state")


def time_to_completed(
    gateway_url: str, run_id: str, samples: int, order: dict[str, str], *, timeout_s: float = 30.0
) -> list[float]:
    """Write ``samples`` orders one after another; seconds until each was seen COMPLETED."""
    ws_url = gateway_url.replace("http://", "ws://", 1) + "/graphql"
    http_url = gateway_url

    async def run_all() -> list[float]:
        return [
            await _write_and_watch(ws_url, http_url, f"BENCH-{run_id}-seq-{n}", order, timeout_s)
            for n in range(samples)
        ]

    return asyncio.run(run_all())


def summary(seconds: list[float]) -> tuple[float, float]:
    """(median, max) in milliseconds."""
    return statistics.median(seconds) * 1000, max(seconds) * 1000
