"""Fairness between clients: a well-behaved client's read latency while another client floods.

    python -m bench.fairness [--seconds 20] [--flooders 16]

Both vendor emulators and the gateway run as their own processes (the gateway as operators run
it, with the vendor's realistic client-side rate limit of 50 calls/s and its read cache off, so
every read reaches the vendor). The well-behaved client reads one order every 100 ms from
127.0.0.1; the flooder, another process connecting from 127.0.0.2 (another client to the
gateway), keeps ``--flooders`` requests in flight, each reading 100 orders (cost 100). The
well-behaved client's p50/p99 is measured idle, then during the flood, with the gateway's
default client shares and with the shares lifted (the fair queue still on). Figures are
reported, never asserted: the target is a p99 under flood within 2x of the idle p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.procs import PYTHON, Service, free_port, running
from bench.stack import ENGAGE_KEY, EXPERTSENDER_KEY, engage_emulator, expertsender_emulator

RESULTS = Path(__file__).parent / "results"
READ = '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId status total } }'
FLOOD = "query($ids: [String!]!) { orders(vendor: ENGAGE, orderIds: $ids) { orderId } }"
FLOOD_IDS = [f"ENG-{1001 + n}" for n in range(100)]
LIFTED_SHARES = {
    "GATEWAY_CLIENT_COST_RATE": "1000000",
    "GATEWAY_CLIENT_COST_BURST": "1000000000",
    "GATEWAY_CLIENT_VENDOR_CONCURRENCY": "10000",
}


def gateway_service(
    log_dir: Path, engage: str, expertsender: str, extra: dict[str, str]
) -> Service:
    port = free_port()
    env = {
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "ENGAGE_BASE_URL": engage,
        "ENGAGE_API_KEY": ENGAGE_KEY,
        "EXPERTSENDER_BASE_URL": expertsender,
        "EXPERTSENDER_API_KEY": EXPERTSENDER_KEY,
        "ENGAGE_RATE_LIMIT": "50",
        "GATEWAY_CACHE_TTL_S": "0",
        "GATEWAY_LOG_LEVEL": "warning",
        **extra,
    }
    return Service(
        name="gateway-fairness",
        argv=[str(Path(PYTHON).parent / "order-gateway"), "serve"],
        port=port,
        log_dir=log_dir,
        ready_path="/healthz",
        env=env,
    )


async def measure(url: str, seconds: float) -> list[float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            answer = await client.post(url, json={"query": READ})
            elapsed = time.perf_counter() - started
            body = answer.json()
            if answer.status_code != 200 or body.get("errors"):
                raise RuntimeError(f"the well-behaved read failed: {answer.text[:300]}")
            latencies.append(elapsed * 1000)
            await asyncio.sleep(0.1)  # 10 reads/s: well within a client's share
    return latencies


async def flood(url: str, seconds: float, in_flight: int) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        deadline = time.monotonic() + seconds

        async def loop() -> None:
            while time.monotonic() < deadline:
                answer = await client.post(
                    url, json={"query": FLOOD, "variables": {"ids": FLOOD_IDS}}
                )
                errors = answer.json().get("errors") or []
                code = errors[0].get("extensions", {}).get("code") if errors else "ok"
                outcomes[f"{answer.status_code} {code}"] += 1
                if answer.status_code == 429:
                    await asyncio.sleep(0.05)

        await asyncio.gather(*(loop() for _ in range(in_flight)))
    return outcomes


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def scenario(
    log_dir: Path, engage: str, expertsender: str, extra: dict[str, str], args: argparse.Namespace
) -> dict[str, object]:
    with running(gateway_service(log_dir, engage, expertsender, extra)) as gw:
        url = f"{gw.url}/graphql"
        asyncio.run(measure(url, 2))  # warm-up
        idle = asyncio.run(measure(url, args.seconds))
        flooder = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "bench.fairness",
                "--flood",
                url,
                "--seconds",
                str(args.seconds + 4),
                "--flooders",
                str(args.flooders),
            ],
            stdout=subprocess.PIPE,
        )
        time.sleep(2)  # the flood is under way
        loaded = asyncio.run(measure(url, args.seconds))
        out, _ = flooder.communicate(timeout=args.seconds + 120)
        outcomes = json.loads(out.decode().strip().splitlines()[-1])
    return {
        "idle_p50": statistics.median(idle),
        "idle_p99": percentile(idle, 0.99),
        "flood_p50": statistics.median(loaded),
        "flood_p99": percentile(loaded, 0.99),
        "reads": (len(idle), len(loaded)),
        "flood": outcomes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fairness")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--flooders", type=int, default=16)
    parser.add_argument("--flood", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood:
        print(json.dumps(asyncio.run(flood(args.flood, args.seconds, args.flooders))))
        return 0
    log_dir = RESULTS / "fairness-logs"
    load_before = os.getloadavg()[0]
    rows = []
    with running(engage_emulator(log_dir)) as engage, running(expertsender_emulator(log_dir)) as es:
        for label, extra in (
            ("default client shares", {}),
            ("shares lifted (fair queue only)", LIFTED_SHARES),
        ):
            result = scenario(log_dir, engage.url, es.url, extra, args)
            rows.append((label, result))
    lines = [
        "| gateway | idle p50 / p99 (ms) | under flood p50 / p99 (ms) | p99 ratio "
        "| target ≤ 2x | flood answers |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        ratio = float(r["flood_p99"]) / float(r["idle_p99"])  # type: ignore[arg-type]
        lines.append(
            f"| {label} | {r['idle_p50']:.1f} / {r['idle_p99']:.1f} | "
            f"{r['flood_p50']:.1f} / {r['flood_p99']:.1f} | {ratio:.2f} | "
            f"{'pass' if ratio <= 2 else 'miss'} | {r['flood']} |"
        )
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fairness-latest.md").write_text(
        f"# Fairness between clients ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"{args.seconds:g} s per phase, {args.flooders} flood requests in flight; load average "
        f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on "
        f"{os.cpu_count()} cores)\n\n{report}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
