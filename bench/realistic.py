"""Scenario: a busy shop under the vendor's documented rate limit.

The Engage emulator limits each API key to Engage's documented budget (50 requests/s; above it
answers 429). Before each server is measured, 500 fresh orders are written to the emulator
directly, spread over the demo contacts. Then ``bench.mix_client`` runs many concurrent clients
against the server: 80% order reads (Zipf(1.1) popularity over the 500), 15% contact order
pages, 5% status changes each followed through its job. Measured per server: client
requests served per second, client-visible errors by code, p50/p99, vendor calls per second
(counted by the emulator, 429s apart) and stale reads (a read that started after a write was
reported done and answered an older version).

Servers, each as a user would deploy it in front of this budget: the gateway with its
client-side limiter under the budget and its read cache (TTL, stale-while-revalidate); Hive
Gateway over the emulator's OpenAPI document (GraphQL Mesh), as composed, and with its
response-cache plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import graphql, peer, targets
from bench.graphql import BenchCheckError
from bench.procs import PYTHON, Service, running
from bench.report import Finding, Measurement
from bench.stack import ENGAGE_HEADERS, gateway

REPO = Path(__file__).resolve().parent.parent
SCENARIO = targets.REALISTIC
# Engage's documented budget per API key (engage-v3.md §8): the emulator enforces it.
VENDOR_BUDGET_PER_S = 50
# The gateway's own limiter: under the budget, with room for the emulator's
# sliding window (requests paced evenly still arrive bunched on a busy machine).
GATEWAY_RATE_PER_S = 40
ORDERS = 500
ZIPF_S = 1.1
MIX = {"read": 0.80, "page": 0.15, "write": 0.05}
# Read-cache settings of the gateway and Hive Gateway's response cache: the same lifetime.
CACHE_TTL_S = 60
CACHE_STALE_S = 300
JOB_DELAY_MS = 300
# Job polls spend the same budget as reads: the first poll waits until a job is likely done
# (the emulator holds a job 2 x 300 ms).
JOB_POLL_SCHEDULE = "0.7,0.5,1,2,5"
GATEWAY = targets.REALISTIC_GATEWAY
HIVE = "Hive Gateway 1 proc"
HIVE_CACHE = "Hive Gateway 1 proc + response cache"


@dataclass(frozen=True)
class MixRun:
    target: str
    clients: int
    result: dict[str, Any]
    vendor_calls: int
    vendor_429s: int
    vendor_busiest_second: int
    vendor_by_route: dict[str, int]
    elapsed_s: float
    cpu_ms_per_request: float | None

    @property
    def vendor_calls_per_s(self) -> float:
        return self.vendor_calls / self.elapsed_s if self.elapsed_s else 0.0

    def measurement(self) -> Measurement:
        r = self.result
        errors = ", ".join(f"{k} x{v}" for k, v in r["errors"].items()) or "none"
        note = (
            f"vendor {self.vendor_calls_per_s:.1f} calls/s, at most {self.vendor_busiest_second} "
            f"in one second ({self.vendor_429s} answered 429); "
            f"stale reads {r['stale_count']}; writes done {r['writes_done']} "
            f"(p50 {r['write_to_done_p50_ms']:.0f} ms to done, {r['writes_unconfirmed']} "
            f"unconfirmed at the end, {r['job_checks']} job checks, failed: "
            f"{r['job_check_errors'] or 'none'}); errors: {errors}"
        )
        return Measurement(
            SCENARIO,
            self.target,
            self.clients,
            r["requests_per_second"],
            r["p50_ms"],
            r["p99_ms"],
            r["error_count"],
            note[:900],
            self.cpu_ms_per_request,
        )

    def findings(self) -> list[Finding]:
        r = self.result
        return [
            Finding(
                SCENARIO,
                f"vendor calls/s, {self.target}",
                self.vendor_calls_per_s,
                "/s",
                f"budget {VENDOR_BUDGET_PER_S}/s; by route: {self.vendor_by_route}"[:600],
            ),
            Finding(
                SCENARIO,
                f"stale reads, {self.target}",
                r["stale_count"],
                "reads",
                json.dumps(r["stale_reads"]),
            ),
            Finding(
                SCENARIO,
                f"client-visible errors, {self.target}",
                r["error_count"],
                "requests",
                json.dumps(r["errors"])[:600],
            ),
        ]


def _contacts() -> list[dict[str, str]]:
    from sandbox.engage import DEMO_INDEX

    return [
        {"contactId": c["contactId"], "email": c["email"]}
        for c in DEMO_INDEX["contacts"]
        if c.get("email")
    ]


def seed_orders(
    emulator_url: str, prefix: str, month: int, count: int = ORDERS
) -> list[dict[str, Any]]:
    """``count`` new orders straight at the emulator (budget lifted meanwhile), newest of all so
    they head their contacts' order pages; returns them as the mix client's plan lists them."""
    contacts = _contacts()
    orders = []
    with httpx.Client(base_url=emulator_url, headers=ENGAGE_HEADERS, timeout=30) as client:
        for index in range(count):
            contact = contacts[index % len(contacts)]
            order_id = f"{prefix}-{index:03d}"
            minutes, seconds = divmod(index, 60)
            created = f"2026-{month:02d}-01T{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}Z"
            total = 100.0 + index
            body = {
                "orderId": order_id,
                "contact": {"matchKey": contact["email"], "matchKeyType": "Email"},
                "externalStoreId": "WEB-SE",
                "status": "InProgress",
                "currencyCode": "SEK",
                "createdAt": created,
                "lineItems": {
                    "items": [{"quantity": 1, "article": {"sku": "SKU-CAP"}, "totalPrice": total}],
                    "subTotal": total,
                },
                "totalPrice": total,
            }
            answer = client.post("/api/v3/orders", json=body)
            if answer.status_code != 202:
                raise BenchCheckError(
                    f"seeding {order_id}: {answer.status_code} {answer.text[:300]}"
                )
            orders.append(
                {
                    "orderId": order_id,
                    "contact": contact["contactId"],
                    "email": contact["email"],
                    "total": total,
                    "createdAt": created,
                }
            )
        deadline = time.monotonic() + 60
        last = orders[-1]["orderId"]
        while client.get(f"/api/v3/orders/{last}").status_code != 200:
            if time.monotonic() > deadline:
                raise BenchCheckError("the emulator did not store the seeded orders in 60 s")
            time.sleep(0.1)
    return orders


def _vendor_counts(emulator_url: str) -> tuple[int, int, int, dict[str, int]]:
    """Calls, calls answered 429, the most calls in any one second, calls by route."""
    counters = graphql.sandbox_requests(emulator_url)
    log = counters.get("log", [])
    limited = sum(1 for entry in log if entry.get("status") == 429)
    arrivals = sorted(float(entry["at"]) for entry in log if "at" in entry)
    busiest, first = 0, 0
    for last, at in enumerate(arrivals):
        while at - arrivals[first] >= 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    return int(counters.get("total", 0)), limited, busiest, dict(counters.get("by_route", {}))


def _client(plan: dict[str, Any], log_dir: Path, name: str) -> dict[str, Any]:
    plan_path, out_path = log_dir / f"{name}.json", log_dir / f"{name}-result.json"
    plan_path.write_text(json.dumps(plan))
    subprocess.run(
        [PYTHON, "-m", "bench.mix_client", "--plan", str(plan_path), "--out", str(out_path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=float(plan["seconds"]) + 180,
        check=True,
    )
    result: dict[str, Any] = json.loads(out_path.read_text())
    return result


def run_mix(
    target: str,
    dialect: str,
    server: Service,
    emulator_url: str,
    orders: list[dict[str, Any]],
    *,
    clients: int,
    seconds: float,
    warmup_s: float,
    log_dir: Path,
) -> MixRun:
    """The same load unrecorded for ``warmup_s`` (caches fill as in a shop that has been open
    a while), then measured for ``seconds``."""
    plan = {
        "dialect": dialect,
        "url": server.url + "/graphql",
        "orders": orders,
        "zipf_s": ZIPF_S,
        "mix": MIX,
        "clients": clients,
    }
    slug = "mix-" + target.replace(" ", "-").replace("+", "")
    graphql.sandbox_settings(
        emulator_url, rate_limit_per_second=VENDOR_BUDGET_PER_S, job_delay_ms=JOB_DELAY_MS
    )
    if warmup_s > 0:
        _client({**plan, "seconds": warmup_s, "first_version": 1}, log_dir, slug + "-warmup")
    graphql.reset_sandbox_requests(emulator_url)
    cpu_before = server.cpu_seconds()
    started = time.monotonic()
    measured = {**plan, "seconds": seconds, "first_version": 10_000_000}
    result = _client(measured, log_dir, slug)
    elapsed = time.monotonic() - started
    calls, limited, busiest, by_route = _vendor_counts(emulator_url)
    cpu_s = server.cpu_seconds() - cpu_before
    # Lift the budget again for whatever runs next (seeding, other scenarios).
    graphql.sandbox_settings(emulator_url, rate_limit_per_second=1_000_000)
    requests = int(result["requests"]) + int(result["job_checks"])
    return MixRun(
        target,
        clients,
        result,
        calls,
        limited,
        busiest,
        by_route,
        # The emulator counted while the client ran, including its start-up: the longer span.
        max(elapsed, float(result["elapsed_s"])),
        cpu_s * 1000 / requests if requests else None,
    )


def run(
    log_dir: Path,
    engage_url: str,
    expertsender_url: str,
    *,
    clients: int,
    seconds: float,
    say: Callable[[str], None],
    warmup_s: float = 0.0,
    peers: bool = True,
) -> list[MixRun]:
    """The gateway, then Hive Gateway without and with its response cache, one after another
    against the same emulator with fresh orders each."""
    runs: list[MixRun] = []
    stamp = time.strftime("%H%M%S")

    def fresh(index: int) -> list[dict[str, Any]]:
        graphql.sandbox_settings(engage_url, rate_limit_per_second=1_000_000, job_delay_ms=0)
        return seed_orders(engage_url, f"MIX{stamp}{index}", month=1 + index)

    env = {
        "ENGAGE_RATE_LIMIT": str(GATEWAY_RATE_PER_S),
        "GATEWAY_CACHE_TTL_S": str(CACHE_TTL_S),
        "GATEWAY_CACHE_STALE_S": str(CACHE_STALE_S),
        "GATEWAY_JOB_POLL_SCHEDULE": JOB_POLL_SCHEDULE,
    }
    orders = fresh(0)
    with running(
        gateway(
            log_dir, engage_url, expertsender_url, cache=True, name="gateway-mix", extra_env=env
        )
    ) as gw:
        runs.append(
            run_mix(
                GATEWAY,
                "gateway",
                gw,
                engage_url,
                orders,
                clients=clients,
                seconds=seconds,
                warmup_s=warmup_s,
                log_dir=log_dir,
            )
        )
    say(_line(runs[-1]))
    if not peers:
        return runs
    peer.install()
    peer.compose(peer.fetch_openapi(engage_url), engage_url, dict(ENGAGE_HEADERS), name="Engage")
    for index, (target, ttl_ms) in enumerate(((HIVE, 0), (HIVE_CACHE, CACHE_TTL_S * 1000)), 1):
        orders = fresh(index)
        with running(
            peer.service(log_dir, response_cache_ttl_ms=ttl_ms), ready_timeout_s=120
        ) as hive:
            runs.append(
                run_mix(
                    target,
                    "mesh",
                    hive,
                    engage_url,
                    orders,
                    clients=clients,
                    seconds=seconds,
                    warmup_s=warmup_s,
                    log_dir=log_dir,
                )
            )
        say(_line(runs[-1]))
    return runs


def _line(run: MixRun) -> str:
    r = run.result
    return (
        f"  {run.target}: {r['requests_per_second']:,.0f} req/s p50 {r['p50_ms']:.1f} ms "
        f"p99 {r['p99_ms']:.1f} ms, errors {r['error_count']}, stale {r['stale_count']}, "
        f"vendor {run.vendor_calls_per_s:.1f}/s, busiest second {run.vendor_busiest_second} "
        f"({run.vendor_429s} x 429)"
    )
