"""Instructions per request: the gateway's CPU work as valgrind's callgrind counts it.

``python -m bench.instructions [--requests N] [--cache on|off] [--code DIR ...]`` runs the
one-order read (``bench/read.py``'s query) through a gateway per source tree (``--code`` as in
``bench.hotpath``; this tree first) and prints the instructions each tree's gateway process ran
per request, with the change against the first tree.

CPU time per request moves by 10-20% with whatever else runs on a shared machine; the count of
instructions a request makes the process run moves by well under 1%, so a change of a few
percent shows in one run. What it leaves out: system calls (user space is counted, the kernel
is not) and how fast the instructions run (cache misses, allocation patterns). Each gateway
starts with counting off (valgrind runs it some 5x slower), answers a warm-up, then counts
exactly ``N`` requests, 10 at a time. With the cache off, identical reads in flight together
share one vendor call, so the count also moves with how they overlap: compare with the cache on.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import graphql, read
from bench.procs import PYTHON, debian_command, running
from bench.stack import engage_emulator, expertsender_emulator, gateway

CONCURRENCY = 10
WARM_UP_REQUESTS = 100


class InstructionsError(RuntimeError):
    """valgrind is missing, or the gateway under it did not answer."""


@dataclass(frozen=True)
class Count:
    tree: str
    cache: bool
    requests: int
    instructions: int

    @property
    def per_request(self) -> float:
        return self.instructions / self.requests


def ensure_valgrind(*, install: bool = True) -> str:
    """Path of ``valgrind``, installing the Debian package if allowed to and able to."""
    found = debian_command("valgrind", "valgrind", install=install)
    if found:
        return found
    raise InstructionsError(
        "valgrind is not installed and could not be installed here; install it with "
        "`apt-get install -y valgrind` (Debian/Ubuntu) and run again"
    )


def callgrind_total(text: str) -> int:
    """The instructions a callgrind dump counted (its ``totals:`` line, else ``summary:``)."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("totals", "summary") and value.split():
            found[key] = int(value.split()[0])
    if not found:
        raise InstructionsError("not a callgrind dump: no totals or summary line")
    return found.get("totals", found.get("summary", 0))


def summarize(counts: list[Count]) -> str:
    """A Markdown table: instructions per request per tree and cache setting, and the change
    against the first tree with the same cache setting."""
    lines = [
        "| code | cache | requests | instructions/request | change |",
        "|---|---|---:|---:|---:|",
    ]
    first: dict[bool, float] = {}
    for count in counts:
        base = first.setdefault(count.cache, count.per_request)
        change = 100.0 * (count.per_request - base) / base
        lines.append(
            f"| {count.tree} | {'on' if count.cache else 'off'} | {count.requests} "
            f"| {count.per_request / 1e6:.3f} M | {change:+.1f}% |"
        )
    return "\n".join(lines)


async def _load(url: str, query: str, requests: int) -> None:
    async with httpx.AsyncClient(timeout=120) as client:
        turns = asyncio.Semaphore(CONCURRENCY)

        async def one() -> None:
            async with turns:
                answer = await client.post(url, json={"query": query})
            body = answer.json()
            if answer.status_code != 200 or "errors" in body:
                raise InstructionsError(f"the gateway answered {answer.status_code}: {body}")

        await asyncio.gather(*(one() for _ in range(requests)))


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise InstructionsError(f"the gateway under valgrind exited ({proc.returncode})")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise InstructionsError(f"the gateway under valgrind did not start in {timeout_s:.0f} s")


def count_tree(
    tree: Path | None,
    *,
    cache: bool,
    requests: int,
    engage_url: str,
    expertsender_url: str,
    order_id: str,
    log_dir: Path,
    valgrind: str,
) -> Count:
    """The instructions ``requests`` one-order reads cost the gateway from ``tree``."""
    service = gateway(log_dir, engage_url, expertsender_url, cache=cache, name="gw-callgrind")
    env = {**os.environ, **service.env}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    out = log_dir / f"callgrind-{service.port}.out"
    cli = Path(PYTHON).parent / "order-gateway"
    argv = [valgrind, "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    argv += [PYTHON, str(cli), "serve", "--workers", "1"]
    with (log_dir / "valgrind.log").open("ab") as log:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{service.port}"
    query = read.GATEWAY_QUERY % {"id": order_id}
    control = shutil.which("callgrind_control") or "callgrind_control"
    try:
        _wait_ready(url, proc)
        asyncio.run(_load(url + "/graphql", query, WARM_UP_REQUESTS))
        subprocess.run([control, "-i", "on", str(proc.pid)], check=True, capture_output=True)
        asyncio.run(_load(url + "/graphql", query, requests))
        subprocess.run([control, "-i", "off", str(proc.pid)], check=True, capture_output=True)
        subprocess.run([control, "-d", str(proc.pid)], check=True, capture_output=True)
    finally:
        proc.terminate()
        proc.wait(120)
    dumps = sorted(log_dir.glob(f"{out.name}*"))
    total = sum(callgrind_total(path.read_text(errors="replace")) for path in dumps)
    return Count(str(tree) if tree else "this tree", cache, requests, total)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cache", choices=("on", "off"), default="on")
    parser.add_argument(
        "--code",
        action="append",
        type=Path,
        default=[],
        help="count the gateway from this source tree too (repeatable)",
    )
    args = parser.parse_args(argv)
    valgrind = ensure_valgrind()
    log_dir = Path(tempfile.mkdtemp(prefix="order-gateway-instructions-"))

    from sandbox.engage import DEMO_INDEX

    order_id = DEMO_INDEX["orders"]["purchase"][0]
    counts: list[Count] = []
    with (
        running(engage_emulator(log_dir)) as engage,
        running(expertsender_emulator(log_dir)) as expertsender,
    ):
        graphql.sandbox_settings(engage.url, rate_limit_per_second=1_000_000)
        for tree in [None, *(p.resolve() for p in args.code)]:
            count = count_tree(
                tree,
                cache=args.cache == "on",
                requests=args.requests,
                engage_url=engage.url,
                expertsender_url=expertsender.url,
                order_id=order_id,
                log_dir=log_dir,
                valgrind=valgrind,
            )
            counts.append(count)
            print(
                f"{count.tree}: {count.per_request / 1e6:.3f} M instructions/request",
                file=sys.stderr,
                flush=True,
            )
    print(summarize(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
