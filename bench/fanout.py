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
from typing import Any

import httpx

from bench import graphql, writes
from bench.graphql import BenchCheckError
from bench.procs import PYTHON, Service
from bench.stack import ENGAGE_HEADERS

JOB_ROUTE = "GET /api/v3/orders/jobs/{jobId}"
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class FanoutResult:
    subscribers: int
    subscribed: int
    delivered: int
    errors: list[str]
    subscribe_s: float
    polls: int
    rss_before_kb: int
    rss_idle_kb: int
    completion_to_last_ms: float
    first_to_last_ms: float

    @property
    def kb_per_subscriber(self) -> float:
        return (self.rss_idle_kb - self.rss_before_kb) / max(1, self.subscribed)


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


def run(
    gateway: Service,
    emulator_url: str,
    *,
    jobs: int,
    per_job: int,
    job_delay_ms: int,
    run_id: str,
    order: dict[str, str],
) -> FanoutResult:
    graphql.sandbox_settings(emulator_url, job_delay_ms=job_delay_ms)
    graphql.reset_sandbox_requests(emulator_url)
    created = [
        writes.create_job(gateway.url, f"BENCH-{run_id}-fan-{n}", **order) for n in range(jobs)
    ]
    rss_before = gateway.rss_kb()
    # Two job steps of job_delay_ms each, plus room for 1,000 connections to open and close.
    timeout_s = 2 * job_delay_ms / 1000 + 60
    client = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "bench.fanout_client",
            "--url",
            gateway.url.replace("http://", "ws://", 1) + "/graphql",
            "--jobs",
            ",".join(job["id"] for job in created),
            "--per-job",
            str(per_job),
            "--timeout",
            str(timeout_s),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + timeout_s + 10
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
        finished = (
            _completed_at(emulator_url, job["vendorJobId"]) if job.get("vendorJobId") else None
        )
        if finished is not None:
            completion_to_last = max(completion_to_last, max(heard) - finished)
    return FanoutResult(
        subscribers=jobs * per_job,
        subscribed=int(subscribed["count"]),
        delivered=sum(len(v) for v in finals.values()),
        errors=errors[:5],
        subscribe_s=float(subscribed["seconds"]),
        polls=polls,
        rss_before_kb=rss_before,
        rss_idle_kb=rss_idle,
        completion_to_last_ms=completion_to_last * 1000,
        first_to_last_ms=first_to_last * 1000,
    )
