"""Many `jobProgress` subscribers in one asyncio process, over graphql-transport-ws.

Run by the fan-out scenario as its own process (so its CPU and memory are not the gateway's):

    python -m bench.fanout_client --url ws://127.0.0.1:PORT/graphql --connections 1000

It works in two steps, so that opening 1,000 connections (slow) does not race the jobs:
1. open every connection and finish the graphql-transport-ws handshake, then print
   ``{"event": "connected", ...}``;
2. read one line of comma-separated Job ids from standard input, subscribe connection ``i`` to
   job ``i % len(jobs)``, print ``{"event": "subscribed", ...}`` once every subscriber has heard
   its job's current state, and ``{"event": "done", ...}`` with when each heard the final state.
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
from websockets.asyncio.client import ClientConnection

SUBSCRIPTION = "subscription Watch($id: ID!) { jobProgress(id: $id) { id state } }"
FINAL_STATES = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"})


@dataclass
class Outcome:
    job: str = ""
    states: list[str] = field(default_factory=list)
    final_state: str | None = None
    final_at: float | None = None
    error: str | None = None


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


async def _connect(url: str, gate: asyncio.Semaphore, timeout_s: float) -> ClientConnection:
    async with gate:
        socket = await websockets.connect(
            url,
            subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
            open_timeout=timeout_s,
            ping_interval=None,
            max_queue=64,
        )
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), timeout_s))
        if ack.get("type") != "connection_ack":
            await socket.close()
            raise RuntimeError(f"expected connection_ack, got {ack.get('type')}")
        return socket


async def _watch(
    socket: ClientConnection, job: str, subscribed: list[int], live: list[int]
) -> Outcome:
    outcome = Outcome(job=job)
    try:
        async with socket:
            subscribe = {"query": SUBSCRIPTION, "variables": {"id": job}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
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
                        live[0] += state not in FINAL_STATES
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


async def _read_line(timeout_s: float) -> str:
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), timeout_s)


async def run(url: str, connections: int, timeout_s: float, parallel: int) -> None:
    started = time.monotonic()
    deadline = started + timeout_s
    gate = asyncio.Semaphore(parallel)
    opened = await asyncio.gather(
        *(_connect(url, gate, timeout_s) for _ in range(connections)), return_exceptions=True
    )
    sockets = [s for s in opened if isinstance(s, ClientConnection)]
    failures = sorted(
        {f"{type(e).__name__}: {e}"[:300] for e in opened if isinstance(e, BaseException)}
    )
    _emit(
        {
            "event": "connected",
            "count": len(sockets),
            "errors": failures[:5],
            "seconds": time.monotonic() - started,
        }
    )
    jobs = [
        job for job in (await _read_line(deadline - time.monotonic())).strip().split(",") if job
    ]
    if not jobs:
        raise SystemExit("no job ids on standard input")

    subscribing = time.monotonic()
    subscribed, live = [0], [0]
    tasks = [
        asyncio.create_task(_watch(socket, jobs[i % len(jobs)], subscribed, live))
        for i, socket in enumerate(sockets)
    ]
    while subscribed[0] + sum(t.done() for t in tasks) < len(tasks) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    _emit(
        {
            "event": "subscribed",
            "count": subscribed[0],
            # Heard the job still running: these subscribers were idle-waiting at that moment.
            "live": live[0],
            "wanted": connections,
            "seconds": time.monotonic() - subscribing,
        }
    )
    finished, _pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
    for task in tasks:
        task.cancel()
    outcomes = [asdict(t.result() if t in finished else Outcome(error="timed out")) for t in tasks]
    outcomes += [asdict(Outcome(error=failure)) for failure in failures]
    _emit({"event": "done", "outcomes": outcomes, "seconds": time.monotonic() - started})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="ws:// URL of the GraphQL endpoint")
    parser.add_argument("--connections", type=int, default=1000, help="subscribers in all")
    parser.add_argument("--timeout", type=float, default=120.0, help="whole run, seconds")
    parser.add_argument("--parallel", type=int, default=50, help="connections opened at once")
    args = parser.parse_args(argv)
    if args.connections < 1 or args.parallel < 1:
        parser.error("--connections and --parallel must be at least 1")
    # One socket per subscriber: a default soft limit of 1024 descriptors would cap the run.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(run(args.url, args.connections, args.timeout, args.parallel))


if __name__ == "__main__":
    main()
