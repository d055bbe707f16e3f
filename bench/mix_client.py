"""The realistic mix as many concurrent clients in one asyncio process (aiohttp).

Run by the realistic scenario as its own process, so its CPU is not the server's::

    python -m bench.mix_client --plan plan.json --out result.json

Each client loops: it picks an order by Zipf popularity and reads it (80%), reads its contact's
order page (15%), or changes its status through the server (5%), following the write's job
through the same server beside the load until it is final. Only one write per order runs at a
time, and every write leaves a higher version in the external status, so a read that started
after a write was reported done and answers a lower version is a stale read. The plan (JSON)
names the server's dialect, the orders with their contacts, and how long and how wide to load.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.mix_dialects import DIALECTS, Dialect, JobState

READ, PAGE, WRITE = "order read", "contact page", "write"
# How often a client asks after its write's job (the gateway's own poll schedule), and how
# long after the load it may still learn the outcome.
JOB_POLL_DELAYS_S = (0.1, 0.2, 0.5, 1.0)
JOB_GRACE_S = 5.0


@dataclass
class OrderState:
    contact: str
    # (version, when the server said the write was done), in the order they were done.
    done: list[tuple[float, float]] = field(default_factory=list)
    writing: bool = False

    def expected_at(self, started: float) -> float:
        """The version of the last write done before ``started`` (0 before any)."""
        latest = 0.0
        for version, at in self.done:
            if at < started:
                latest = version
        return latest


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    stale: Counter[str] = field(default_factory=Counter)
    job_checks: int = 0
    job_check_errors: Counter[str] = field(default_factory=Counter)
    unconfirmed: int = 0
    writes_done: int = 0
    write_to_done_ms: list[float] = field(default_factory=list)

    def record(self, kind: str, started: float) -> None:
        self.latencies.setdefault(kind, []).append((time.monotonic() - started) * 1000)


class Mix:
    def __init__(
        self,
        plan: dict[str, Any],
        session: aiohttp.ClientSession,
        job_session: aiohttp.ClientSession,
    ) -> None:
        self.plan = plan
        self.dialect: Dialect = DIALECTS[plan["dialect"]](plan)
        self.session = session
        # Job checks run beside the clients' loops, on connections of their own: on the
        # clients' (one each, always busy) they would wait for a free one.
        self.job_session = job_session
        self.url = plan["url"]
        self.orders = {o["orderId"]: OrderState(o["contact"]) for o in plan["orders"]}
        self.ids = [o["orderId"] for o in plan["orders"]]
        weights = [1 / (rank ** plan["zipf_s"]) for rank in range(1, len(self.ids) + 1)]
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = random.Random(plan.get("seed", 7))
        # Versions rise across runs against the same orders (a warm-up, then the measurement).
        self.next_version = itertools.count(int(plan.get("first_version", 1)))
        self.tally = Tally()
        self.stop_at = 0.0
        self.following: set[asyncio.Future[None]] = set()

    def pick(self) -> str:
        point = self.rng.random() * self.cumulative[-1]
        index = bisect.bisect_left(self.cumulative, point)
        return str(self.ids[index])

    async def post(
        self, body: dict[str, Any], *, session: aiohttp.ClientSession | None = None
    ) -> tuple[dict[str, Any] | None, str | None]:
        """The decoded answer and an error code (None when the answer has no error)."""
        try:
            async with (session or self.session).post(self.url, json=body) as answer:
                text = await answer.read()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, type(exc).__name__
        try:
            decoded: dict[str, Any] = json.loads(text)
        except ValueError:
            return None, f"HTTP {status} (not JSON)"
        errors = decoded.get("errors")
        if errors:
            first = errors[0] if isinstance(errors, list) and errors else {}
            code = (first.get("extensions") or {}).get("code") or first.get("message", "?")[:60]
            return decoded, str(code)
        if status != 200:
            return decoded, f"HTTP {status}"
        return decoded, None

    def check_versions(self, kind: str, started: float, versions: dict[str, float]) -> None:
        for order_id, version in versions.items():
            state = self.orders.get(order_id)
            if state is not None and version < state.expected_at(started):
                self.tally.stale[kind] += 1

    async def read(self) -> None:
        order_id = self.pick()
        await self._read(READ, self.dialect.read(order_id), self.dialect.totals_of_read)

    async def page(self) -> None:
        contact = self.orders[self.pick()].contact
        await self._read(PAGE, self.dialect.page(contact), self.dialect.totals_of_page)

    async def _read(
        self,
        kind: str,
        body: dict[str, Any],
        totals_of: Callable[[dict[str, Any]], dict[str, float]],
    ) -> None:
        started = time.monotonic()
        decoded, error = await self.post(body)
        self.tally.record(kind, started)
        if error:
            self.tally.errors[f"{kind}: {error}"] += 1
            return
        assert decoded is not None
        self.check_versions(kind, started, totals_of(decoded))

    async def write(self) -> None:
        for _ in range(20):
            order_id = self.pick()
            if not self.orders[order_id].writing:
                break
        else:
            await self.read()
            return
        state = self.orders[order_id]
        version = float(next(self.next_version))
        started = time.monotonic()
        state.writing = True
        decoded, error = await self.post(self.dialect.write(order_id, version))
        self.tally.record(WRITE, started)
        if error:
            state.writing = False
            self.tally.errors[f"{WRITE}: {error}"] += 1
            return
        assert decoded is not None
        # The client moves on, as a shop's frontend would; the job is followed beside it.
        follow = asyncio.ensure_future(
            self.follow(state, version, started, self.dialect.job_of_write(decoded))
        )
        self.following.add(follow)
        follow.add_done_callback(self.following.discard)

    async def follow(
        self, state: OrderState, version: float, started: float, job: JobState
    ) -> None:
        """Poll the write's job through the server until it is final; a job still running when
        the load ends is counted apart, not as an error."""
        try:
            for delay in itertools.chain(
                JOB_POLL_DELAYS_S, itertools.repeat(JOB_POLL_DELAYS_S[-1])
            ):
                if job.state is not None:
                    break
                if time.monotonic() > self.stop_at + JOB_GRACE_S:
                    self.tally.unconfirmed += 1
                    return
                await asyncio.sleep(delay)
                self.tally.job_checks += 1
                polled, error = await self.post(self.dialect.job(job), session=self.job_session)
                if error and self.dialect.job_error_means_done(error):
                    job = JobState(job.id, "COMPLETED")
                elif error:
                    self.tally.job_check_errors[error] += 1
                else:
                    assert polled is not None
                    job = self.dialect.job_of_poll(job, polled)
            if job.state != "COMPLETED":
                self.tally.errors[f"{WRITE}: job {job.state}"] += 1
                return
            done_at = time.monotonic()
            state.done.append((version, done_at))
            self.tally.writes_done += 1
            self.tally.write_to_done_ms.append((done_at - started) * 1000)
        finally:
            state.writing = False

    async def client(self) -> None:
        mix = self.plan["mix"]
        while time.monotonic() < self.stop_at:
            draw = self.rng.random()
            if draw < mix["read"]:
                await self.read()
            elif draw < mix["read"] + mix["page"]:
                await self.page()
            else:
                await self.write()

    async def run(self) -> dict[str, Any]:
        started = time.monotonic()
        self.stop_at = started + float(self.plan["seconds"])
        await asyncio.gather(*(self.client() for _ in range(int(self.plan["clients"]))))
        elapsed = time.monotonic() - started
        if self.following:
            await asyncio.wait(list(self.following), timeout=JOB_GRACE_S + 35)
        return summary(self.tally, elapsed)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(tally: Tally, elapsed_s: float) -> dict[str, Any]:
    everything = [ms for values in tally.latencies.values() for ms in values]
    return {
        "elapsed_s": elapsed_s,
        "requests": len(everything),
        "requests_per_second": len(everything) / elapsed_s if elapsed_s else 0.0,
        "p50_ms": _percentile(everything, 0.50),
        "p99_ms": _percentile(everything, 0.99),
        "by_kind": {
            kind: {
                "requests": len(values),
                "p50_ms": _percentile(values, 0.50),
                "p99_ms": _percentile(values, 0.99),
            }
            for kind, values in sorted(tally.latencies.items())
        },
        "errors": dict(tally.errors.most_common()),
        "error_count": sum(tally.errors.values()),
        "stale_reads": dict(tally.stale),
        "stale_count": sum(tally.stale.values()),
        "job_checks": tally.job_checks,
        "job_check_errors": dict(tally.job_check_errors.most_common()),
        "writes_unconfirmed": tally.unconfirmed,
        "writes_done": tally.writes_done,
        "write_to_done_p50_ms": _percentile(tally.write_to_done_ms, 0.50),
    }


async def _main(plan: dict[str, Any]) -> dict[str, Any]:
    timeout = aiohttp.ClientTimeout(total=float(plan.get("request_timeout_s", 30)))
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    clients = int(plan["clients"])
    async with (
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=clients), timeout=timeout, headers=headers
        ) as session,
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max(10, clients // 2)),
            timeout=timeout,
            headers=headers,
        ) as job_session,
    ):
        return await Mix(plan, session, job_session).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mix_client", description=__doc__)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    plan = json.loads(args.plan.read_text())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(_main(plan))
    args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
