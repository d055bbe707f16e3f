"""Four worker processes on one real redis-server share one Engage rate budget.

``order-gateway serve --workers 4`` runs as a real process tree; clients hammer it with order
reads (the read cache is off; identical reads in flight at once in one worker are still made
once, so there are at most as many Engage calls as reads). The Engage emulator records
when each request arrived and refuses more than its own per-key limit with 429; it is set to
the same limit the gateway is configured with.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.gateway.test_cli import CLEAN_STOP, COMMAND, clean_env, free_port, running
from tests.gateway.test_cli_redis import STARTED
from tests.support.redis import RedisServer

RATE = 20  # requests per second per API key, for the gateway and the emulator alike
WORKERS = 4
HAMMER_S = 4.0
CLIENTS = 24
ORDER_IDS = ("ENG-1001", "ENG-1002", "ENG-1003", "ENG-1004", "ENG-2001", "ENG-2002")
ORDER_ROUTE = "/api/v3/orders/{orderId}"
CLIENT_SHARE_OFF = {"rate": "100000", "burst": "1000000"}
READ = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId } }"


def most_in_one_second(arrivals: list[float]) -> int:
    """The largest number of arrivals inside any window [t, t + 1 s]."""
    times = sorted(arrivals)
    most = 0
    start = 0
    for end, at in enumerate(times):
        while at - times[start] > 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def hammer(url: str) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    deadline = time.monotonic() + HAMMER_S

    async def one_client(number: int) -> None:
        # A connection per client: the kernel spreads them over the workers.
        async with httpx.AsyncClient(timeout=30) as client:
            sent = 0
            while time.monotonic() < deadline:
                order_id = ORDER_IDS[(number + sent) % len(ORDER_IDS)]
                response = await client.post(
                    url, json={"query": READ, "variables": {"id": order_id}}
                )
                answers.append(response.json())
                sent += 1

    await asyncio.gather(*(one_client(n) for n in range(CLIENTS)))
    return answers


def test_four_workers_stay_within_one_vendor_rate_limit(redis_server: RedisServer) -> None:
    if not redis_server.running:
        redis_server.start()
    port, engage_port = free_port(), free_port()
    env = clean_env(
        GATEWAY_REDIS_URL=redis_server.url,
        GATEWAY_REDIS_KEY_PREFIX=f"budget-{port}",
        ENGAGE_RATE_LIMIT=str(RATE),
        GATEWAY_CACHE_TTL_S="0",
        SANDBOX_ENGAGE_PORT=str(engage_port),
        # Every hammering client comes from 127.0.0.1, so the gateway sees them as one client;
        # its share (default 300 + 20/s) must not be what refuses them: a fast machine answers
        # more than that from shared in-flight reads. The share has its own tests.
        GATEWAY_CLIENT_COST_RATE=CLIENT_SHARE_OFF["rate"],
        GATEWAY_CLIENT_COST_BURST=CLIENT_SHARE_OFF["burst"],
    )
    engage = f"http://127.0.0.1:{engage_port}"
    args = [COMMAND, "serve", "--port", str(port), "--workers", str(WORKERS)]
    with running(args, env) as command:
        for _ in range(WORKERS):
            command.wait_for(STARTED)
        limits = httpx.put(f"{engage}/_sandbox/settings", json={"rate_limit_per_second": RATE})
        assert limits.json()["rate_limit_per_second"] == RATE
        httpx.post(f"{engage}/_sandbox/requests/reset")
        started = time.time()
        answers = asyncio.run(hammer(f"http://127.0.0.1:{port}/graphql"))
        log = httpx.get(f"{engage}/_sandbox/requests", timeout=10).json()["log"]
        # Any worker's /metrics counts the calls of all four.
        scrapes = [httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text for _ in range(4)]
        assert command.stop() in CLEAN_STOP

    refused = [a for a in answers if a.get("errors")]
    assert refused == [], refused[:3]
    assert all(a["data"]["order"]["orderId"] in ORDER_IDS for a in answers)
    reads = [e for e in log if e["route"] == ORDER_ROUTE and e["at"] >= started]
    assert [e for e in reads if e["status"] == 429] == []
    assert 0 < len(reads) <= len(answers)
    busiest = most_in_one_second([e["at"] for e in reads])
    print(f"{len(reads)} Engage reads in {HAMMER_S:g} s; busiest 1 s window: {busiest}")
    assert busiest <= RATE
    for text in scrapes:
        assert vendor_reads_counted(text) == len(reads)
        # The budget was binding, not idle: calls waited for their slots.
        assert engage_limiter_waited_s(text) > 0


def samples(text: str, name: str) -> list[Sample]:
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def vendor_reads_counted(text: str) -> float:
    return sum(
        float(sample.value)
        for sample in samples(text, "order_gateway_vendor_requests_total")
        if sample.labels["vendor"] == "ENGAGE"
        and sample.labels["route"] == "/api/v3/orders/{order_id}"
    )


def engage_limiter_waited_s(text: str) -> float:
    return sum(
        float(sample.value)
        for sample in samples(text, "order_gateway_rate_limiter_wait_seconds_sum")
        if sample.labels["vendor"] == "ENGAGE"
    )
