"""``python -m bench [--quick]``: run every scenario, print the table, write it to bench/results/.

Loopback only. Each server is its own process (emulators, gateway, Hive Gateway) and wrk is a
separate process too. A scenario that fails is reported as such and the others still run.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    fanout,
    graphql,
    nplus1,
    peer,
    profile,
    read,
    realistic,
    targets,
    transport,
    writes,
)
from bench import wrk as wrk_tool
from bench.measure import Target, measure
from bench.plan import FULL, QUICK, Plan
from bench.procs import Service, running
from bench.report import (
    RESULTS_DIR,
    Finding,
    Measurement,
    Report,
    load_average,
    machine_info,
    render_markdown,
    write,
)
from bench.stack import ENGAGE_HEADERS, engage_emulator, expertsender_emulator, gateway

PHASES = (
    "direct",
    "transport",
    "gateway",
    "workers",
    "peer",
    "nplus1",
    "fanout",
    "writes",
    "profile",
    "realistic",
)


def _say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, plan: Plan, phases: set[str], out: Path, log_dir: Path) -> None:
        self.plan = plan
        self.phases = phases
        self.out = out
        self.log_dir = log_dir
        self.started = datetime.now(UTC)
        self.run_id = self.started.strftime("%H%M%S")
        self.report = Report(started_at=self.started, mode=plan.name, machine=machine_info())
        self.failed: list[str] = []
        self.wrk = wrk_tool.ensure_wrk()
        self.profiles: list[str] = []

    # --- helpers ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        _say(f"{name} ...")
        started = time.monotonic()
        try:
            yield
        except Exception as exc:
            self.failed.append(name)
            self.report.notes.append(f"**{name} failed**: {type(exc).__name__}: {exc}"[:1500])
            traceback.print_exc()
        _say(f"{name} done in {time.monotonic() - started:.0f}s")

    def load(
        self,
        scenario: str,
        target: Target,
        *,
        emulator_url: str | None,
        route: str | None = read.UPSTREAM_ROUTE,
        connections: tuple[int, ...] | None = None,
        seconds: float | None = None,
        warmup_s: float | None = None,
    ) -> None:
        for conns in connections or self.plan.connections:
            result = measure(
                scenario,
                target,
                conns,
                warmup_s=self.plan.warmup_s if warmup_s is None else warmup_s,
                measure_s=seconds or self.plan.measure_s,
                wrk_path=self.wrk,
                emulator_url=emulator_url,
                upstream_route=route,
            )
            self.report.measurements.append(result)
            _say(
                f"  {target.name} c={conns}: {result.requests_per_second:,.0f} req/s "
                f"p50 {result.p50_ms:.2f} ms p99 {result.p99_ms:.2f} ms {result.note}"
            )

    def profile_under_load(
        self, title: str, service: Service, target: Target, *, connections: int | None = None
    ) -> None:
        """py-spy the (single) gateway process while wrk loads it."""
        connections = connections or max(self.plan.connections)
        load = target.load(connections, self.plan.profile_s + 3)
        thread = threading.Thread(target=wrk_tool.run, args=(load,), kwargs={"wrk": self.wrk})
        thread.start()
        try:
            time.sleep(1.0)
            raw = self.log_dir / f"profile-{service.name}-{len(self.profiles)}.txt"
            profile.record(service.pid, self.plan.profile_s, raw)
        finally:
            thread.join(timeout=self.plan.profile_s + 60)
        summary = profile.summarize(raw.read_text())
        self.profiles.append(profile.render(summary, title=f"{title} ({connections} conns)"))
        stages = ", ".join(f"{summary.share(n):.0f}% {name}" for name, n in summary.by_stage[:4])
        hottest = summary.self_top[0][0] if summary.self_top else "nothing"
        self.report.notes.append(
            f"Profile of the gateway, {title}: {stages}; hottest function {hottest} "
            "(details in profile-latest.txt)."
        )

    # --- phases -------------------------------------------------------------------------

    def run(self) -> None:
        from sandbox.engage import DEMO_INDEX

        order_id = DEMO_INDEX["orders"]["purchase"][0]
        many = DEMO_INDEX["many_orders_contact"]
        contact_id = next(
            c["contactId"] for c in DEMO_INDEX["contacts"] if c["email"] == many["email"]
        )
        order = {
            "email": DEMO_INDEX["contacts"][0]["email"],
            "sku": DEMO_INDEX["articles"][0],
            "store": DEMO_INDEX["stores"][0],
        }
        self.report.notes.append(
            f"Headline vendor: Engage (`GET /api/v3/orders/{{orderId}}`, order {order_id}); "
            "every server reads the same order and the same fields."
        )
        with (
            running(engage_emulator(self.log_dir)) as engage,
            running(expertsender_emulator(self.log_dir)) as expertsender,
        ):
            # The documented 200 req/s would throttle the read loads, not the servers.
            graphql.sandbox_settings(engage.url, rate_limit_per_second=1_000_000, job_delay_ms=300)
            urls = (engage.url, expertsender.url)

            if "direct" in self.phases:
                with self.phase("direct REST"):
                    self.load(
                        targets.READ,
                        read.direct(engage.url, order_id, server=engage),
                        emulator_url=None,
                    )

            if "transport" in self.phases:
                with self.phase("vendor transport, client CPU"):
                    finding = transport.measure(
                        engage.url, order_id, calls=self.plan.transport_calls
                    )
                    self.report.findings.append(finding)
                    _say(f"  {finding.value:.3f} {finding.unit} per call ({finding.note})")

            if self.phases & {"gateway", "nplus1", "profile"}:
                with (
                    self.phase("gateway, 1 process, cache off"),
                    running(gateway(self.log_dir, *urls, cache=False)) as gw,
                ):
                    one = read.through_gateway(
                        targets.GATEWAY_NO_CACHE, gw.url, order_id, server=gw
                    )
                    if "gateway" in self.phases:
                        self.load(targets.READ, one, emulator_url=engage.url)
                    if "nplus1" in self.phases:
                        self.nplus1(gw, engage.url, contact_id)
                    if "profile" in self.phases:
                        self.profile_under_load("one-order read, cache off", gw, one)
                    if "profile" in self.phases and self.plan.profile_nested_query:
                        nested = nplus1.target(
                            targets.GATEWAY_NO_CACHE, gw.url, contact_id, server=gw
                        )
                        self.profile_under_load(
                            "N+1: contact with 50 orders, cache off", gw, nested, connections=10
                        )

            if self.phases & {"gateway", "profile"}:
                with (
                    self.phase("gateway, 1 process, cache on"),
                    running(gateway(self.log_dir, *urls, cache=True)) as gw,
                ):
                    one = read.through_gateway(targets.GATEWAY_CACHE, gw.url, order_id, server=gw)
                    if "gateway" in self.phases:
                        self.load(targets.READ, one, emulator_url=engage.url)
                    if "profile" in self.phases:
                        self.profile_under_load("one-order read, cache on", gw, one)

            if "workers" in self.phases:
                n = self.plan.gateway_workers
                for cache in self.plan.worker_cache_modes:
                    label = f"gateway {n} procs, cache {'on' if cache else 'off'}"
                    with (
                        self.phase(label),
                        running(gateway(self.log_dir, *urls, cache=cache, workers=n)) as gw,
                    ):
                        many_target = read.through_gateway(label, gw.url, order_id, server=gw)
                        self.load(targets.READ, many_target, emulator_url=engage.url)

            if "peer" in self.phases:
                with self.phase("GraphQL Mesh + Hive Gateway"):
                    self.peer(engage.url, order_id)

            if self.phases & {"fanout", "writes"}:
                with (
                    self.phase("subscriptions and writes"),
                    running(
                        gateway(
                            self.log_dir,
                            *urls,
                            cache=True,
                            name="gateway-1p-jobs",
                            extra_env=fanout.gateway_env(self.plan.subscribers),
                        )
                    ) as gw,
                ):
                    if "fanout" in self.phases:
                        self.fanout(gw, engage.url, order)
                    if "writes" in self.phases:
                        self.writes(gw, engage.url, order)

            if "realistic" in self.phases:
                with self.phase("realistic mix under the vendor's rate limit"):
                    self.realistic(engage.url, expertsender.url)

        self.report.checks = targets.evaluate(self.report)

    def nplus1(self, gw: Service, emulator_url: str, contact_id: str) -> None:
        name = targets.GATEWAY_NO_CACHE
        self.report.findings.append(
            nplus1.cold_calls(targets.NPLUS1, gw.url, emulator_url, contact_id)
        )
        nested = nplus1.target(name, gw.url, contact_id, server=gw)
        self.load(
            targets.NPLUS1,
            nested,
            emulator_url=emulator_url,
            route=None,
            connections=(10,),
            seconds=self.plan.nplus1_s,
            warmup_s=1,
        )

    def peer(self, emulator_url: str, order_id: str) -> None:
        peer.install()
        document = peer.fetch_openapi(emulator_url)
        field = peer.operation_id(document, read.ORDER_PATH, "get")
        peer.compose(document, emulator_url, dict(ENGAGE_HEADERS), name="Engage")
        for forks in self.plan.peer_processes:
            label = targets.MESH if forks == 1 else f"Hive Gateway {forks} procs"
            with running(peer.service(self.log_dir, forks=forks), ready_timeout_s=120) as mesh:
                target = read.through_mesh(label, mesh.url, field, order_id, server=mesh)
                target.check()
                # Node's JIT needs a while: load it unrecorded before measuring.
                _say(f"  warming {label} for {self.plan.peer_warmup_s:g}s")
                wrk_tool.run(
                    target.load(max(self.plan.connections), self.plan.peer_warmup_s), wrk=self.wrk
                )
                self.load(targets.READ, target, emulator_url=emulator_url)

    def fanout(self, gw: Service, emulator_url: str, order: dict[str, str]) -> None:
        plan = self.plan
        per_job = max(1, plan.subscribers // plan.jobs)
        common: dict[str, Any] = {
            "jobs": plan.jobs,
            "job_delay_ms": plan.fanout_job_delay_ms,
            "order": order,
        }
        few = fanout.run(gw, emulator_url, per_job=1, run_id=self.run_id + "a", **common)
        many = fanout.run(gw, emulator_url, per_job=per_job, run_id=self.run_id + "b", **common)
        self.report.findings += fanout.findings(targets.FANOUT, few, many)
        if many.subscribed < many.subscribers or many.delivered < many.subscribers:
            self.report.notes.append(
                f"fan-out: only {many.subscribed} of {many.subscribers} subscribed and "
                f"{many.delivered} told; errors: {'; '.join(many.errors) or 'none'}"
            )
        if not many.idle_when_measured:
            self.report.notes.append(
                f"fan-out: only {many.live} of {many.subscribers} subscribers were still waiting "
                "when memory was read (jobs finished first); the per-subscriber figure is left "
                "out of the targets. Raise fanout_job_delay_ms in bench/plan.py."
            )

    def realistic(self, engage_url: str, expertsender_url: str) -> None:
        runs = realistic.run(
            self.log_dir,
            engage_url,
            expertsender_url,
            clients=self.plan.realistic_clients,
            seconds=self.plan.realistic_s,
            warmup_s=self.plan.realistic_warmup_s,
            say=_say,
            peers="peer" in self.phases or self.phases == {"realistic"},
        )
        for mix in runs:
            self.report.measurements.append(mix.measurement())
            self.report.findings += mix.findings()

    def writes(self, gw: Service, emulator_url: str, order: dict[str, str]) -> None:
        graphql.sandbox_settings(emulator_url, job_delay_ms=300)
        template = writes.write_body_template(**order)
        load = wrk_tool.Load(
            url=gw.url + "/graphql",
            connections=10,
            seconds=self.plan.writes_s,
            script=wrk_tool.UNIQUE_POST_LUA,
            env={"BENCH_BODY_TEMPLATE": template, "BENCH_RUN_ID": self.run_id + "w"},
        )
        graphql.reset_sandbox_requests(emulator_url)
        cpu_before = gw.cpu_seconds()
        result = wrk_tool.run(load, wrk=self.wrk)
        cpu_ms = (gw.cpu_seconds() - cpu_before) * 1000 / max(1, result.requests)
        posts = graphql.route_count(graphql.sandbox_requests(emulator_url), "POST /api/v3/orders")
        self.report.measurements.append(
            Measurement(
                "writeOrder ADD (Engage)",
                targets.GATEWAY_CACHE,
                load.connections,
                result.requests_per_second,
                result.p50_ms,
                result.p99_ms,
                result.errors,
                f"{posts} orders reached the emulator",
                cpu_ms,
            )
        )
        _say(f"  writes: {result.requests_per_second:,.0f} req/s, {posts} POSTs upstream")
        samples = writes.time_to_completed(
            gw.url, self.run_id, self.plan.write_latency_samples, order
        )
        median, worst = writes.summary(samples)
        self.report.findings.append(
            Finding(
                "writeOrder → COMPLETED",
                "median time until a subscriber sees COMPLETED",
                median,
                "ms",
                f"max {worst:.0f} ms over {len(samples)} writes; the emulator "
                "holds each job 2 x 300 ms",
            )
        )


def _raise_fd_limit() -> None:
    # 1,000 subscribers are 1,000 sockets in the gateway, which inherits this limit.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str] | None = None, *, say: Callable[[str], None] = _say) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short loads (about 2 minutes)")
    parser.add_argument("--only", help=f"comma-separated phases: {', '.join(PHASES)}")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where results go")
    args = parser.parse_args(argv)
    phases = set(PHASES)
    if args.only:
        phases = {p.strip() for p in args.only.split(",") if p.strip()}
        unknown = phases - set(PHASES)
        if unknown:
            parser.error(f"unknown phase(s) {', '.join(sorted(unknown))}; choose from {PHASES}")
    _raise_fd_limit()
    try:
        log_dir = Path(tempfile.mkdtemp(prefix="order-gateway-bench-"))
        bench = Bench(QUICK if args.quick else FULL, phases, args.out, log_dir)
    except wrk_tool.WrkError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    bench.run()
    start_load, end_load = bench.report.machine.get("load average at start", "?"), load_average()
    bench.report.notes.append(
        f"1-minute load average {start_load} at the start, {end_load} at the end; anything "
        "well above what the bench itself adds (about 2) means other work shared the 2 cores."
    )
    bench.report.notes.append(
        f"Total run time {time.monotonic() - started:.0f} s; server logs in {log_dir}."
    )
    paths = write(bench.report, args.out)
    if bench.profiles:
        stamp = bench.started.strftime("%Y%m%dT%H%M%SZ")
        text = "\n\n".join(bench.profiles)
        for name in (f"profile-{stamp}.txt", "profile-latest.txt"):
            (args.out / name).write_text(text)
            paths.append(args.out / name)
    print(render_markdown(bench.report))
    say("wrote " + ", ".join(str(p) for p in paths))
    return 1 if bench.failed else 0


if __name__ == "__main__":
    sys.exit(main())
