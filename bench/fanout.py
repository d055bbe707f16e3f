"""Scenario 4: many `jobProgress` subscribers over a few jobs.

The subscribers live in their own process (bench.fanout_client). We read the gateway's resident
memory before they connect and once they are all idle-subscribed, count the emulator's job
polls, and time how long after each job finished its last subscriber heard of it.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench import graphql, writes
from bench.graphql import BenchCheckError
from bench.procs import PYTHON
from bench.report import Finding
from bench.stack import ENGAGE_HEADERS

JOB_ROUTE = "GET /api/v3/orders/jobs/{jobId}"
REPO = Path(__file__).resolve().parent.parent
# Beyond the subscribers' sockets: the jobs' writes and the bench's own probes.
SPARE_CONNECTIONS = 100


def gateway_env(subscribers: int) -> dict[str, str]:
    """Settings the gateway under a fan-out runs with: its connection cap (1000 by default)
    would refuse the writes that start the jobs once every subscriber holds a socket."""
    return {"GATEWAY_MAX_CONNECTIONS": str(subscribers + SPARE_CONNECTIONS)}


@dataclass(frozen=True)
class FanoutResult:
    subscribers: int
    subscribed: int
    live: int
    delivered: int
    errors: list[str]
    subscribe_s: float
    connect_s: float
    polls: int
    rss_before_kb: int
    rss_idle_kb: int
    completion_to_last_ms: float
    first_to_last_ms: float

    @property
    def kb_per_subscriber(self) -> float:
        return (self.rss_idle_kb - self.rss_before_kb) / max(1, self.subscribed)

    @property
    def idle_when_measured(self) -> bool:
        """Every subscriber was still waiting on a running job when memory was read."""
        return self.live == self.subscribers


def _read_event(process: subprocess.Popen[str], deadline: float) -> dict[str, Any]:
    assert process.stdout is not None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BenchCheckError("the fan-out client did not report in time")
        ready, _, _ = select.select([process.stdout], [], [], remaining)
        if ready:
            line = process.stdout.readline()
            if not line:
                raise BenchCheckError("the fan-out client exited without reporting")
            event: dict[str, Any] = json.loads(line)
            return event


def _completed_at(emulator_url: str, vendor_job_id: str) -> float | None:
    answer = httpx.get(
        f"{emulator_url}/api/v3/orders/jobs/{vendor_job_id}", headers=ENGAGE_HEADERS, timeout=10
    )
    stamp = answer.json().get("completedAt") if answer.content else None
    if not stamp:
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


class Watched(Protocol):
    """The server whose memory is read: a Service, or any handle with a URL and an RSS."""

    @property
    def url(self) -> str: ...

    def rss_kb(self) -> int: ...


def run(
    gateway: Watched,
    emulator_url: str,
    *,
    jobs: int,
    per_job: int,
    job_delay_ms: int,
    run_id: str,
    order: dict[str, str],
    protocol: str = "graphql-transport-ws",
) -> FanoutResult:
    subscribers = jobs * per_job
    timeout_s = 2 * job_delay_ms / 1000 + 120
    deadline = time.monotonic() + timeout_s + 10
    rss_before = gateway.rss_kb()
    client = subprocess.Popen(
        [
            PYTHON, "-m", "bench.fanout_client",
            "--url", gateway.url.replace("http://", "ws://", 1) + "/graphql",
            "--connections", str(subscribers),
            "--timeout", str(timeout_s),
            "--protocol", protocol,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        connected = _read_event(client, deadline)
        if connected["count"] < subscribers:
            raise BenchCheckError(
                f"only {connected['count']} of {subscribers} websocket connections opened: "
                f"{connected['errors']}"
            )
        # The jobs start only now, so slow connection set-up cannot outrun them.
        graphql.sandbox_settings(emulator_url, job_delay_ms=job_delay_ms)
        graphql.reset_sandbox_requests(emulator_url)
        created = [
            writes.create_job(gateway.url, f"BENCH-{run_id}-fan-{n}", order) for n in range(jobs)
        ]
        assert client.stdin is not None
        client.stdin.write(",".join(job["id"] for job in created) + "\n")
        client.stdin.flush()
        subscribed = _read_event(client, deadline)
        time.sleep(1.0)  # let buffers and per-connection state settle before reading memory
        rss_idle = gateway.rss_kb()
        done = _read_event(client, deadline)
    finally:
        client.kill()
        client.wait(timeout=10)
    time.sleep(0.5)
    polls = graphql.route_count(graphql.sandbox_requests(emulator_url), JOB_ROUTE)

    outcomes = done["outcomes"]
    errors = sorted({o["error"] for o in outcomes if o.get("error")})
    finals: dict[str, list[float]] = {}
    for outcome in outcomes:
        if outcome.get("final_at") is not None:
            finals.setdefault(outcome["job"], []).append(outcome["final_at"])
    completion_to_last = first_to_last = 0.0
    for job in created:
        heard = finals.get(job["id"])
        if not heard:
            continue
        first_to_last = max(first_to_last, max(heard) - min(heard))
        vendor_job = job.get("vendorJobId")
        finished = _completed_at(emulator_url, vendor_job) if vendor_job else None
        if finished is not None:
            completion_to_last = max(completion_to_last, max(heard) - finished)
    return FanoutResult(
        subscribers=subscribers,
        subscribed=int(subscribed["count"]),
        live=int(subscribed["live"]),
        delivered=sum(len(v) for v in finals.values()),
        errors=errors[:5],
        subscribe_s=float(subscribed["seconds"]),
        connect_s=float(connected["seconds"]),
        polls=polls,
        rss_before_kb=rss_before,
        rss_idle_kb=rss_idle,
        completion_to_last_ms=completion_to_last * 1000,
        first_to_last_ms=first_to_last * 1000,
    )


def findings(scenario: str, few: FanoutResult, many: FanoutResult) -> list[Finding]:
    """The report lines of a small run (1 subscriber per job) and a large one."""
    per_job = many.subscribers // max(1, few.subscribers)
    memory = "gateway RSS per idle subscriber"
    if not many.idle_when_measured:
        memory = "gateway RSS per subscriber, some jobs already final"
    return [
        Finding(
            scenario,
            "upstream polls, 1 subscriber per job",
            few.polls,
            "polls",
            f"{few.subscribers} subscribers",
        ),
        Finding(
            scenario,
            "upstream polls, many subscribers per job",
            many.polls,
            "polls",
            f"{many.subscribers} subscribers",
        ),
        Finding(
            scenario,
            "subscribers told the final state",
            many.delivered,
            "",
            f"of {many.subscribers}; errors: {'; '.join(many.errors) or 'none'}",
        ),
        Finding(
            scenario,
            memory,
            many.kb_per_subscriber,
            "KB",
            f"RSS {many.rss_before_kb:,} kB → {many.rss_idle_kb:,} kB with "
            f"{many.subscribed} subscribers ({many.live} waiting on a running job)",
        ),
        Finding(
            scenario,
            "job completion → last subscriber told",
            many.completion_to_last_ms,
            "ms",
            "vendor's completedAt to the last subscriber's final message "
            "(includes the gateway's poll interval)",
        ),
        Finding(
            scenario,
            "first → last subscriber told (same job)",
            many.first_to_last_ms,
            "ms",
            f"spread over the {per_job} subscribers of one job",
        ),
        Finding(
            scenario,
            "time to open the websocket connections",
            many.connect_s * 1000,
            "ms",
            f"{many.subscribers} connections + graphql-transport-ws handshakes",
        ),
        Finding(
            scenario,
            "time until every subscriber heard its job",
            many.subscribe_s * 1000,
            "ms",
            f"{many.subscribers} subscribe messages on open connections",
        ),
    ]
