"""Where an idle subscriber's bytes sit: resident memory per idle ``jobProgress`` subscriber
for each subscription transport, and (``--trace``) the gateway's allocations with N idle
subscribers against none, grouped by the line and the file that made them.

    python -m bench.fanout_memory                         # RSS, every transport
    python -m bench.fanout_memory --trace --protocol sse  # plus the allocation breakdown

Each transport gets a fresh gateway process in front of fresh emulators: a warm-up round (one
subscriber per job) first, so first-use costs (imports, caches) are not counted, then the
measured round of the fan-out scenario (``bench.fanout``). RSS comes from an untraced gateway
(tracing costs memory of its own); the breakdown from a second, traced one
(``bench.fanout_traced``). About 1-2 minutes per transport.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import fanout
from bench.fanout_client import PROTOCOLS
from bench.fanout_traced import SNAPSHOT_DIR_VARIABLE, snapshot_path
from bench.procs import PYTHON, Service, running
from bench.report import load_average
from bench.stack import engage_emulator, expertsender_emulator, gateway
from sandbox.engage import DEMO_INDEX

ORDER = {
    "email": DEMO_INDEX["contacts"][0]["email"],
    "sku": DEMO_INDEX["articles"][0],
    "store": DEMO_INDEX["stores"][0],
}
_UNTRACED = (tracemalloc.__file__, "<frozen importlib._bootstrap>", "<unknown>")
_SNAPSHOT_WAIT_S = 120.0
LATEST = Path(__file__).parent / "results" / "fanout-memory-latest.md"


@dataclass
class _Traced:
    """The traced gateway as ``bench.fanout`` sees it: reading its memory also writes a
    snapshot of its allocations."""

    service: Service
    directory: Path
    taken: int = 0

    @property
    def url(self) -> str:
        return self.service.url

    def rss_kb(self) -> int:
        os.kill(self.service.pid, signal.SIGUSR1)
        path = snapshot_path(self.directory, self.taken)
        deadline = time.monotonic() + _SNAPSHOT_WAIT_S
        while not path.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the traced gateway wrote no {path.name}")
            time.sleep(0.1)
        self.taken += 1
        return self.service.rss_kb()


@dataclass
class Measured:
    protocol: str
    result: fanout.FanoutResult
    load_before: str
    load_after: str
    breakdown: list[str] = field(default_factory=list)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return os.path.relpath(filename, fanout.REPO)


def breakdown(before: Path, after: Path, subscribers: int, top: int) -> list[str]:
    """Markdown lines: allocations added between the snapshots, by line and by file."""
    filters = [tracemalloc.Filter(False, name) for name in _UNTRACED]
    old = tracemalloc.Snapshot.load(str(before)).filter_traces(filters)
    new = tracemalloc.Snapshot.load(str(after)).filter_traces(filters)
    lines: list[str] = []
    for key, title in (("lineno", "line"), ("filename", "file")):
        stats = [s for s in new.compare_to(old, key) if s.size_diff > 0]
        total = sum(s.size_diff for s in stats)
        lines += [
            "",
            f"By {title} (traced growth {total / 1024:,.0f} KiB, "
            f"{total / max(1, subscribers):,.0f} B per subscriber):",
            "",
            f"| {title} | B per subscriber | blocks per subscriber |",
            "|---|---:|---:|",
        ]
        for stat in stats[:top]:
            frame = stat.traceback[0]
            where = _short(frame.filename) + (f":{frame.lineno}" if key == "lineno" else "")
            lines.append(
                f"| {where} | {stat.size_diff / subscribers:,.0f} | "
                f"{stat.count_diff / subscribers:,.2f} |"
            )
    return lines


# Layers an idle subscriber's bytes belong to, by a path in the frame that made them; the
# innermost frame of any layer decides. Outer frames (the server's and this tool's own start)
# belong to none: what only they name was allocated by the event loop or interpreter itself.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "resolver chain (jobProgress, tracker.watch, fan-out entry)",
        ("gateway/schema/subscription.py", "gateway/jobs/", "gateway/pubsub.py"),
    ),
    ("graphql-core executor and source stream", ("graphql/execution",)),
    (
        "Strawberry extension hooks (exit stacks, hook generators)",
        (
            "strawberry/extensions",
            "/contextlib.py",
            "gateway/http/extensions.py",
            "gateway/observability/operations.py",
            "gateway/schema/error_codes.py",
            "gateway/schema/deferred.py",
        ),
    ),
    (
        "Strawberry operation task and stream",
        (
            "protocols/graphql_transport_ws/handlers.py:2",
            "protocols/graphql_ws/handlers.py",
            "strawberry/schema/schema.py",
            "gateway/http/ws_incremental.py",
            "gateway/http/sse_heartbeat.py",
            "gateway/schema/execution.py",
        ),
    ),
    ("streamed response (SSE)", ("gateway/http/sse.py", "starlette/responses.py")),
    (
        "Strawberry view and connection handler",
        (
            "strawberry/",
            "gateway/http/ws_hooks.py",
            "gateway/http/view.py",
            "gateway/http/keepalive.py",
            "gateway/http/request_body.py",
        ),
    ),
    (
        "uvicorn protocol (websockets parser, httptools cycle)",
        (
            "uvicorn/protocols/",
            "websockets/",
            "httptools",
            "gateway/http/ws_protocol.py",
            "gateway/http/connections.py",
        ),
    ),
    (
        "Starlette and gateway middleware, routing",
        ("starlette/", "gateway/observability/", "gateway/auth/", "gateway/http/", "gateway/app"),
    ),
)
_OUTER_FRAMES = ("uvicorn/server.py", "uvicorn/_compat.py", "gateway/cli.py", "/bench/")
_UNCLASSED = "event loop and interpreter (no layer's frame)"


def layer_of(frames: list[str]) -> str:
    """The layer of an allocation made by ``frames`` (``file:line``, innermost first)."""
    for frame in frames:
        if any(outer in frame for outer in _OUTER_FRAMES):
            continue
        for name, paths in LAYERS:
            if any(path in frame for path in paths):
                return name
    return _UNCLASSED


def layers(before: Path, after: Path, subscribers: int) -> list[str]:
    """Markdown lines: allocations added between the snapshots, by layer."""
    filters = [tracemalloc.Filter(False, name) for name in _UNTRACED]
    old = tracemalloc.Snapshot.load(str(before)).filter_traces(filters)
    new = tracemalloc.Snapshot.load(str(after)).filter_traces(filters)
    sizes: dict[str, int] = {}
    for stat in new.compare_to(old, "traceback"):
        if stat.size_diff > 0:
            frames = [f"{frame.filename}:{frame.lineno}" for frame in reversed(stat.traceback)]
            layer = layer_of(frames)
            sizes[layer] = sizes.get(layer, 0) + stat.size_diff
    lines = [
        "",
        "By layer (the innermost frame of a known layer decides):",
        "",
        "| layer | B per subscriber |",
        "|---|---:|",
    ]
    for layer, size in sorted(sizes.items(), key=lambda item: -item[1]):
        lines.append(f"| {layer} | {size / subscribers:,.0f} |")
    return lines


@contextmanager
def _emulators(log_dir: Path) -> Iterator[tuple[str, str]]:
    with (
        running(engage_emulator(log_dir)) as engage,
        running(expertsender_emulator(log_dir)) as expertsender,
    ):
        yield engage.url, expertsender.url


def _gateway(
    log_dir: Path, urls: tuple[str, str], subscribers: int, traced: Path | None
) -> Service:
    service = gateway(
        log_dir,
        *urls,
        cache=True,
        name="gateway-traced" if traced else "gateway",
        extra_env={
            **fanout.gateway_env(subscribers),
            **({SNAPSHOT_DIR_VARIABLE: str(traced)} if traced else {}),
        },
    )
    if traced is not None:
        service.argv = [PYTHON, "-m", "bench.fanout_traced"]
    return service


def measure(
    protocol: str,
    *,
    subscribers: int,
    jobs: int,
    job_delay_ms: int,
    trace: bool,
    top: int,
    keep: Path | None = None,
) -> Measured:
    per_job = max(1, subscribers // jobs)
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="fanout-memory-") as scratch:
        log_dir = Path(scratch)
        run_id = f"{int(time.time())}-{protocol}"

        def rounds(server: fanout.Watched, engage_url: str, tag: str) -> fanout.FanoutResult:
            common = {"jobs": jobs, "job_delay_ms": job_delay_ms, "order": ORDER}
            fanout.run(
                server,
                engage_url,
                per_job=1,
                run_id=f"{run_id}-{tag}w",
                protocol=protocol,
                **common,  # type: ignore[arg-type]
            )
            return fanout.run(
                server,
                engage_url,
                per_job=per_job,
                run_id=f"{run_id}-{tag}",
                protocol=protocol,
                **common,  # type: ignore[arg-type]
            )

        with (
            _emulators(log_dir) as urls,
            running(_gateway(log_dir, urls, jobs * per_job, None)) as plain,
        ):
            result = rounds(plain, urls[0], "r")
        measured = Measured(protocol, result, load_before, load_average())
        if trace:
            snapshots = (keep or log_dir) / f"snapshots-{protocol}"
            with (
                _emulators(log_dir) as urls,
                running(_gateway(log_dir, urls, jobs * per_job, snapshots)) as service,
            ):
                traced = _Traced(service, snapshots)
                traced_result = rounds(traced, urls[0], "t")
            subscribed = max(1, traced_result.subscribed)
            before, after = snapshot_path(snapshots, 2), snapshot_path(snapshots, 3)
            measured.breakdown = [
                *layers(before, after, subscribed),
                *breakdown(before, after, subscribed, top),
            ]
    return measured


def render(runs: list[Measured]) -> str:
    lines = [
        "# Idle subscriber memory",
        "",
        "| transport | subscribers (idle) | RSS before → idle | KB per idle subscriber | "
        "load average |",
        "|---|---:|---|---:|---|",
    ]
    for run in runs:
        r = run.result
        lines.append(
            f"| {run.protocol} | {r.subscribed} ({r.live}) | "
            f"{r.rss_before_kb:,} → {r.rss_idle_kb:,} kB | {r.kb_per_subscriber:.1f} | "
            f"{run.load_before} → {run.load_after} |"
        )
        if r.errors:
            lines.append(f"| | errors: {'; '.join(r.errors)} | | | |")
    for run in runs:
        if run.breakdown:
            lines += ["", f"## {run.protocol}: allocations per idle subscriber", *run.breakdown]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--protocol", choices=("all", *PROTOCOLS), default="all")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument(
        "--job-delay-ms", type=int, default=20000, help="long enough to stay idle while measured"
    )
    parser.add_argument("--trace", action="store_true", help="also break allocations down")
    parser.add_argument("--top", type=int, default=25, help="rows per breakdown table")
    parser.add_argument(
        "--out",
        type=Path,
        default=LATEST,
        help=f"where the Markdown report goes (bench/results/{LATEST.name})",
    )
    parser.add_argument("--keep", type=Path, help="keep the snapshots in this directory")
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.jobs < 1:
        parser.error("--subscribers and --jobs must be at least 1")
    protocols = PROTOCOLS if args.protocol == "all" else (args.protocol,)
    runs = [
        measure(
            protocol,
            subscribers=args.subscribers,
            jobs=args.jobs,
            job_delay_ms=args.job_delay_ms,
            trace=args.trace,
            top=args.top,
            keep=args.keep,
        )
        for protocol in protocols
    ]
    report = render(runs)
    sys.stdout.write(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
