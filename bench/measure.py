"""One measured load: warm up unrecorded, check the answer is right, load, check again, and
count what the emulator was asked meanwhile."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench import graphql, wrk
from bench.procs import Service
from bench.report import Measurement


@dataclass(frozen=True)
class Target:
    """Something to load: a URL, and either a GraphQL body (POSTed) or a plain GET."""

    name: str
    url: str
    check: Callable[[], None]
    body: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # The server process(es) doing the work, to charge CPU time per request to.
    server: Service | None = None

    def load(self, connections: int, seconds: float) -> wrk.Load:
        script: Path | None = None
        env: dict[str, str] = {}
        if self.body is not None:
            script, env = wrk.GRAPHQL_POST_LUA, {"BENCH_BODY": self.body}
        return wrk.Load(
            url=self.url,
            connections=connections,
            seconds=seconds,
            headers=self.headers,
            script=script,
            env=env,
        )


def _settle(emulator_url: str, *, quiet_s: float = 0.5, limit_s: float = 15.0) -> None:
    """Wait until the emulator stops receiving calls: requests wrk gave up on may still be
    queued in the server under test, and their calls must not count as the probes'."""
    deadline = time.monotonic() + limit_s
    last = -1
    while time.monotonic() < deadline:
        total = int(graphql.sandbox_requests(emulator_url).get("total", 0))
        if total == last:
            return
        last = total
        time.sleep(quiet_s)


def upstream_calls(target: Target, emulator_url: str, route: str | None, probes: int = 10) -> str:
    """Upstream calls per request, counted over a few requests sent one at a time.

    Counting during the load would also count the calls of requests still in flight when wrk
    stops, which wrk does not count as done.
    """
    _settle(emulator_url)
    graphql.reset_sandbox_requests(emulator_url)
    for _ in range(probes):
        target.check()
    counters = graphql.sandbox_requests(emulator_url)
    if route:
        return f"{graphql.route_count(counters, route) / probes:.2f} upstream calls/req"
    per_route = ", ".join(
        f"{name} {n / probes:.2f}" for name, n in sorted(counters.get("by_route", {}).items())
    )
    return f"{int(counters.get('total', 0)) / probes:.2f} upstream calls/req ({per_route})"


def measure(
    scenario: str,
    target: Target,
    connections: int,
    *,
    warmup_s: float,
    measure_s: float,
    wrk_path: str,
    emulator_url: str | None = None,
    upstream_route: str | None = None,
) -> Measurement:
    """Warm up, measure, and note upstream calls per request when an emulator is named."""
    target.check()
    if warmup_s > 0:
        wrk.run(target.load(connections, warmup_s), wrk=wrk_path)
    cpu_before = target.server.cpu_seconds() if target.server else 0.0
    result = wrk.run(target.load(connections, measure_s), wrk=wrk_path)
    cpu_ms: float | None = None
    if target.server is not None and result.requests > 0:
        # CPU per request holds up when other work shares the machine; req/s does not.
        cpu_ms = (target.server.cpu_seconds() - cpu_before) * 1000 / result.requests
    # A server that started failing under load would otherwise report fast errors as speed.
    target.check()
    note = ""
    if emulator_url is not None:
        note = upstream_calls(target, emulator_url, upstream_route)
    return Measurement(
        scenario=scenario,
        target=target.name,
        connections=connections,
        requests_per_second=result.requests_per_second,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        errors=result.errors,
        note=note,
        cpu_ms_per_request=cpu_ms,
    )
