"""Many `jobProgress` subscribers in one asyncio process, over graphql-transport-ws.

Run by the fan-out scenario as its own process (so its CPU and memory are not the gateway's):

    python -m bench.fanout_client --url ws://127.0.0.1:PORT/graphql --jobs ID1,ID2 --per-job 100

It prints one JSON object per line on stdout: ``{"event": "subscribed", ...}`` once every
subscriber has heard its job's current state (then the gateway's idle memory can be read), and
``{"event": "done", ...}`` with when each subscriber heard its job's final state.
Every wait is bounded by ``--timeout``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import websockets

SUBSCRIPTION = "subscription Watch($id: ID!) { jobProgress(id: $id) { id state } }"
FINAL_STATES = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"})


@dataclass
class Outcome:
    job: str
    states: list[str] = field(default_factory=list)
    final_state: str | None = None
    final_at: float | None = None
    error: str | None = None


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def _subscriber(
    url: str,
    job: str,
    subscribed: list[int],
    gate: asyncio.Semaphore,
    timeout_s: float,
) -> Outcome:
    outcome = Outcome(job=job)
    try:
        async with gate:
            socket = await websockets.connect(
                url,
                subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
                open_timeout=timeout_s,
                ping_interval=None,
                max_queue=64,
            )
        async with socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            ack = json.loads(await asyncio.wait_for(socket.recv(), timeout_s))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"expected connection_ack, got {ack.get('type')}")
            await socket.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIPTION, "variables": {"id": job}},
                    }
                )
            )
            heard = False
            async for raw in socket:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await socket.send(json.dumps({"type": "pong"}))
                elif kind == "next":
                    payload = message.get("payload") or {}
                    if payload.get("errors"):
                        raise RuntimeError(json.dumps(payload["errors"])[:300])
                    state = payload["data"]["jobProgress"]["state"]
                    outcome.states.append(state)
                    if not heard:
                        # The first message is the job as it is now: the subscription is live.
                        heard = True
                        subscribed[0] += 1
                    if state in FINAL_STATES:
                        outcome.final_state = state
                        outcome.final_at = time.time()
                elif kind == "error":
                    raise RuntimeError(json.dumps(message.get("payload"))[:300])
                elif kind == "complete":
                    break
    except Exception as exc:  # each subscriber reports its own failure; the run goes on
        outcome.error = f"{type(exc).__name__}: {exc}"[:300]
    return outcome


async def run(url: str, jobs: list[str], per_job: int, timeout_s: float, parallel: int) -> None:
    started = time.monotonic()
    subscribed = [0]
    gate = asyncio.Semaphore(parallel)
    tasks = [
        asyncio.create_task(_subscriber(url, job, subscribed, gate, timeout_s))
        for job in jobs
        for _ in range(per_job)
    ]
    total = len(tasks)
    deadline = started + timeout_s
    while subscribed[0] + sum(t.done() for t in tasks) < total and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    _emit(
        {
            "event": "subscribed",
            "count": subscribed[0],
            "wanted": total,
            "seconds": time.monotonic() - started,
        }
    )
    remaining = max(0.0, deadline - time.monotonic())
    finished, _pending = await asyncio.wait(tasks, timeout=remaining)
    for task in tasks:
        task.cancel()
    outcomes = [
        asdict(t.result()) if t in finished and not t.cancelled() else {"error": "timed out"}
        for t in tasks
    ]
    _emit({"event": "done", "outcomes": outcomes, "seconds": time.monotonic() - started})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="ws:// URL of the GraphQL endpoint")
    parser.add_argument("--jobs", required=True, help="comma-separated Job ids")
    parser.add_argument("--per-job", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=60.0, help="whole run, seconds")
    parser.add_argument("--parallel", type=int, default=100, help="connections opened at once")
    args = parser.parse_args(argv)
    jobs = [job for job in args.jobs.split(",") if job]
    if not jobs or args.per_job < 1:
        parser.error("need at least one job id and --per-job >= 1")
    # One socket per subscriber: a default soft limit of 1024 descriptors would cap the run.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(run(args.url, jobs, args.per_job, args.timeout, args.parallel))


if __name__ == "__main__":
    main()
