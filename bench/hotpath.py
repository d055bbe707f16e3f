"""The request hot path alone: gateway CPU per request for the one-order read and the 50-order
contact page, cache off and on, at 10 connections, next to the direct vendor call.

``python -m bench.hotpath [--rounds N] [--seconds S] [--code DIR ...] [--only QUERY]`` starts
the emulators once and, round after round, one gateway per code tree and cache setting
(``--code`` runs the gateway from another checkout of the project, e.g. an older commit, through
``PYTHONPATH``), so trees compared share one machine state. CPU time per request is the figure
to read on a shared machine; each round records the load average beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench import graphql, nplus1, profile, read
from bench import wrk as wrk_tool
from bench.measure import Target
from bench.procs import running
from bench.stack import engage_emulator, expertsender_emulator, gateway

CONNECTIONS = 10
QUERIES = ("one order", "50-order page")


@dataclass(frozen=True)
class Sample:
    tree: str
    query: str
    cache: bool
    cpu_ms: float
    p50_ms: float
    requests_per_second: float
    load: float


def summarize(samples: list[Sample], direct_p50: list[float]) -> str:
    """A Markdown table: medians over the rounds of each code tree, query and cache setting
    (CPU per request, requests per second, p50), and the p50 each adds over the direct call
    (median of its rounds)."""
    base = statistics.median(direct_p50)
    lines = [
        f"direct call p50 (median of rounds): {base:.2f} ms",
        "",
        "| code | query | cache | CPU ms/req | req/s | p50 ms | p50 added ms | load | rounds |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    grouped: dict[tuple[str, str, bool], list[Sample]] = defaultdict(list)
    for sample in samples:
        grouped[(sample.tree, sample.query, sample.cache)].append(sample)
    for (tree_label, query, cache), group in grouped.items():
        cpu = statistics.median(s.cpu_ms for s in group)
        rps = statistics.median(s.requests_per_second for s in group)
        p50 = statistics.median(s.p50_ms for s in group)
        load = statistics.median(s.load for s in group)
        lines.append(
            f"| {tree_label} | {query} | {'on' if cache else 'off'} | {cpu:.2f} | {rps:,.0f} "
            f"| {p50:.2f} | {p50 - base:+.2f} | {load:.1f} | {len(group)} |"
        )
    return "\n".join(lines)


def _load_average() -> float:
    return os.getloadavg()[0]


def _measure(target: Target, seconds: float, wrk_path: str) -> tuple[float, float, float]:
    target.check()
    wrk_tool.run(target.load(CONNECTIONS, 1.0), wrk=wrk_path)
    assert target.server is not None
    before = target.server.cpu_seconds()
    result = wrk_tool.run(target.load(CONNECTIONS, seconds), wrk=wrk_path)
    cpu_ms = (target.server.cpu_seconds() - before) * 1000 / max(1, result.requests)
    target.check()
    return cpu_ms, result.p50_ms, result.requests_per_second


def _profile(
    out: Path,
    engage_url: str,
    expertsender_url: str,
    order_id: str,
    contact_id: str,
    args: argparse.Namespace,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    wrk_path = wrk_tool.ensure_wrk()
    for cache in (False, True):
        service = gateway(out, engage_url, expertsender_url, cache=cache, name="gw-profile")
        with running(service) as gw:
            targets = {
                "one-order": read.through_gateway("gw", gw.url, order_id, server=gw),
                "page": nplus1.target("gw", gw.url, contact_id, server=gw),
            }
            for query, target in targets.items():
                target.check()
                wrk_tool.run(target.load(CONNECTIONS, 1.0), wrk=wrk_path)
                load = target.load(CONNECTIONS, args.seconds + 3)
                thread = threading.Thread(
                    target=wrk_tool.run, args=(load,), kwargs={"wrk": wrk_path}
                )
                thread.start()
                try:
                    time.sleep(1.0)
                    raw = out / f"{query}-cache-{'on' if cache else 'off'}.raw"
                    profile.record(gw.pid, args.seconds, raw)
                finally:
                    thread.join(timeout=args.seconds + 60)
                title = f"{query}, cache {'on' if cache else 'off'} ({CONNECTIONS} conns)"
                text = profile.render(profile.summarize(raw.read_text(), top=25), title=title)
                raw.with_suffix(".txt").write_text(text)
                print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotpath", description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--code",
        action="append",
        type=Path,
        default=[],
        help="run the gateway from this source tree too (repeatable); '.' is this one",
    )
    parser.add_argument(
        "--only",
        choices=QUERIES,
        help="measure this query alone (more rounds in the same time)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="instead of measuring, py-spy this tree's gateway under each load into this folder",
    )
    args = parser.parse_args(argv)
    trees: list[Path | None] = [None] + [p.resolve() for p in args.code]
    wrk_path = wrk_tool.ensure_wrk()
    log_dir = Path(tempfile.mkdtemp(prefix="order-gateway-hotpath-"))

    from sandbox.engage import DEMO_INDEX

    order_id = DEMO_INDEX["orders"]["purchase"][0]
    many = DEMO_INDEX["many_orders_contact"]
    contact_id = next(c["contactId"] for c in DEMO_INDEX["contacts"] if c["email"] == many["email"])
    samples: list[Sample] = []
    direct_p50: list[float] = []
    with (
        running(engage_emulator(log_dir)) as engage,
        running(expertsender_emulator(log_dir)) as expertsender,
    ):
        graphql.sandbox_settings(engage.url, rate_limit_per_second=1_000_000)
        if args.profile is not None:
            _profile(args.profile, engage.url, expertsender.url, order_id, contact_id, args)
            return 0
        for round_no in range(args.rounds):
            direct = read.direct(engage.url, order_id, server=engage)
            direct.check()
            result = wrk_tool.run(direct.load(CONNECTIONS, args.seconds), wrk=wrk_path)
            direct_p50.append(result.p50_ms)
            for tree in trees:
                label = str(tree) if tree else "this tree"
                env = {"PYTHONPATH": str(tree)} if tree else {}
                for cache in (False, True):
                    service = gateway(
                        log_dir,
                        engage.url,
                        expertsender.url,
                        cache=cache,
                        name=f"gw-{round_no}-{len(samples)}",
                        extra_env=env,
                    )
                    with running(service) as gw:
                        targets = {
                            "one order": read.through_gateway("gw", gw.url, order_id, server=gw),
                            "50-order page": nplus1.target("gw", gw.url, contact_id, server=gw),
                        }
                        for query, target in targets.items():
                            if args.only is not None and query != args.only:
                                continue
                            cpu_ms, p50, rps = _measure(target, args.seconds, wrk_path)
                            sample = Sample(label, query, cache, cpu_ms, p50, rps, _load_average())
                            samples.append(sample)
                            print(
                                f"round {round_no} {label:>24} {query:>14} cache "
                                f"{'on ' if cache else 'off'}: {cpu_ms:6.2f} CPU ms/req, "
                                f"p50 {p50:6.2f} ms, {rps:7.0f} req/s, load {sample.load:.1f}",
                                file=sys.stderr,
                                flush=True,
                            )
    print(summarize(samples, direct_p50))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
