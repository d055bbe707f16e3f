"""One measured load: warm up unrecorded, check the answer is right, load, check again, and
count what the emulator was asked meanwhile."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench import graphql, wrk
from bench.report import Measurement


@dataclass(frozen=True)
class Target:
    """Something to load: a URL, and either a GraphQL body (POSTed) or a plain GET."""

    name: str
    url: str
    check: Callable[[], None]
    body: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

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
    if emulator_url is not None:
        graphql.reset_sandbox_requests(emulator_url)
    result = wrk.run(target.load(connections, measure_s), wrk=wrk_path)
    note = ""
    if emulator_url is not None and result.requests > 0:
        counters = graphql.sandbox_requests(emulator_url)
        calls = (
            graphql.route_count(counters, upstream_route)
            if upstream_route
            else int(counters.get("total", 0))
        )
        note = f"{calls / result.requests:.3f} upstream calls/req"
    # A server that started failing under load would otherwise report fast errors as speed.
    target.check()
    return Measurement(
        scenario=scenario,
        target=target.name,
        connections=connections,
        requests_per_second=result.requests_per_second,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        errors=result.errors,
        note=note,
    )
