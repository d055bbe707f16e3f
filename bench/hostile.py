"""How fast the gateway refuses hostile documents, as figures (never asserted).

    python -m bench.hostile

Starts one gateway process (``order-gateway serve``, sandbox emulators) and times, over
loopback, the refusal of the fragment fan-out (fragments that each spread the previous one
twice) at 30 and 60 levels and of 30 aliases x ``orders`` with 100 ids, next to a plain
one-field query; and, in this process, the gateway's document checks alone.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import httpx
from graphql import parse

from bench.procs import PYTHON, Service, free_port, running
from gateway.guard.budget import TimeBudget
from gateway.guard.shape import ShapeLimits, check_shape

RESULTS = Path(__file__).parent / "results"
ROUNDS = 30


def fan_out(levels: int) -> str:
    lines = [f"query {{ ...F{levels - 1} }}", "fragment F0 on Query { vendors { vendor } }"]
    lines += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return "\n".join(lines)


AMPLIFICATION = (
    "query($ids: [String!]!) { "
    + " ".join(f"a{i}: orders(vendor: ENGAGE, orderIds: $ids) {{ orderId }}" for i in range(30))
    + " }"
)


def timed(client: httpx.Client, url: str, body: dict[str, object]) -> tuple[list[float], str]:
    times = []
    code = ""
    for _ in range(ROUNDS):
        started = time.perf_counter()
        answer = client.post(url, json=body)
        times.append((time.perf_counter() - started) * 1000)
        errors = answer.json().get("errors") or []
        code = f"{answer.status_code} {errors[0]['extensions']['code'] if errors else 'ok'}"
    return times, code


def main() -> int:
    port = free_port()
    service = Service(
        name="gateway-hostile",
        argv=[str(Path(PYTHON).parent / "order-gateway"), "serve"],
        port=port,
        log_dir=RESULTS / "hostile-logs",
        ready_path="/healthz",
        env={"GATEWAY_PORT": str(port), "GATEWAY_LOG_LEVEL": "warning"},
    )
    cases: dict[str, dict[str, object]] = {
        "plain query `{ vendors { vendor } }`": {"query": "{ vendors { vendor } }"},
        "fan-out, 30 levels (2^30 fields)": {"query": fan_out(31)},
        "fan-out, 60 levels (2^60 fields)": {"query": fan_out(61)},
        "30 aliases x orders(100 ids)": {
            "query": AMPLIFICATION,
            "variables": {"ids": [f"ENG-{n}" for n in range(100)]},
        },
    }
    lines = ["| request | answer | p50 ms | max ms |", "|---|---|---|---|"]
    with running(service) as gw, httpx.Client(timeout=30) as client:
        url = f"{gw.url}/graphql"
        for label, body in cases.items():
            # Each round sends the same text: the first is the one that pays for validation.
            times, code = timed(client, url, body)
            lines.append(
                f"| {label} | {code} | {statistics.median(times):.1f} | {max(times):.1f} |"
            )
    limits = ShapeLimits(max_depth=12, max_aliases=30, max_complexity=2000)
    for levels in (31, 61):
        document = parse(fan_out(levels))
        started = time.perf_counter()
        check_shape(document, limits, TimeBudget(100))
        lines.append(
            f"| document checks alone, {levels - 1} levels (in process) | refused | "
            f"{(time.perf_counter() - started) * 1000:.2f} | |"
        )
    report = "\n".join(lines)
    print(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hostile-latest.md").write_text(
        f"# Refusing hostile documents ({time.strftime('%Y-%m-%d %H:%M')}, {ROUNDS} rounds "
        f"each; validation results are cached by query text, so later rounds are cheaper)\n\n"
        f"{report}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
