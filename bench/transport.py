"""Client CPU per vendor call: ``VendorTransport`` reading one order from the Engage emulator.

CPU seconds of this process (``time.process_time``), not wall time, so other work on a shared
machine moves the figure far less than it moves latencies. The emulator runs in its own process
and is not counted. The rate limiter is raised out of the way: this measures the HTTP client.
"""

from __future__ import annotations

import asyncio
import time

import uvloop

from adapters.model import Vendor
from adapters.transport import TransportSettings, VendorTransport
from bench.report import Finding
from bench.stack import ENGAGE_HEADERS

SCENARIO = "vendor call (client CPU)"
WARMUP_CALLS = 200


async def _cpu_ms_per_call(url: str, path: str, calls: int, concurrency: int) -> float:
    settings = TransportSettings(
        base_url=url, headers=ENGAGE_HEADERS, vendor=Vendor.ENGAGE, rate_per_second=1e9
    )
    async with VendorTransport(settings) as transport:
        for _ in range(WARMUP_CALLS):
            (await transport.request("GET", path)).raise_for_status()
        left = calls

        async def caller() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                response = await transport.request("GET", path)
                response.raise_for_status()
                response.json()

        started = time.process_time()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        return (time.process_time() - started) * 1000 / calls


def measure(url: str, order_id: str, *, calls: int, concurrency: int = 10) -> Finding:
    """Median of three rounds, each on a fresh transport under uvloop (as the gateway runs)."""
    path = f"/api/v3/orders/{order_id}"
    rounds = sorted(uvloop.run(_cpu_ms_per_call(url, path, calls, concurrency)) for _ in range(3))
    return Finding(
        SCENARIO,
        f"GET one order, {concurrency} at a time",
        rounds[1],
        "ms CPU",
        f"httpx's own transport; median of 3 rounds of {calls} calls "
        f"({', '.join(f'{r:.3f}' for r in rounds)} ms)",
    )
