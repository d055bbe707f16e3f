"""Many `jobProgress` subscribers in one asyncio process, over graphql-transport-ws, the
legacy graphql-ws protocol or GraphQL over SSE (``--protocol``).

Run by the fan-out scenario as its own process (so its CPU and memory are not the gateway's):

    python -m bench.fanout_client --url ws://127.0.0.1:PORT/graphql --connections 1000

It works in two steps, so that opening 1,000 connections (slow) does not race the jobs:
1. open every connection and finish the protocol's handshake (SSE has none: its request is the
   subscription), then print ``{"event": "connected", ...}``;
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

import aiohttp
import websockets
from websockets.asyncio.client import ClientConnection

SUBSCRIPTION = "subscription Watch($id: ID!) { jobProgress(id: $id) { id state } }"
FINAL_STATES = frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"})

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
SSE = "sse"
PROTOCOLS = (TRANSPORT_WS, LEGACY_WS, SSE)
# What each WebSocket protocol calls its messages.
_START = {TRANSPORT_WS: "subscribe", LEGACY_WS: "start"}
_NEXT = {TRANSPORT_WS: "next", LEGACY_WS: "data"}


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


async def _connect(
    url: str, gate: asyncio.Semaphore, timeout_s: float, protocol: str
) -> ClientConnection:
    async with gate:
        socket = await websockets.connect(
            url,
            subprotocols=[websockets.Subprotocol(protocol)],
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


class _Progress:
    """Counts subscribers that heard their job's current state (``subscribed``), and those
    that heard it still running (``live``: idle-waiting at that moment)."""

    def __init__(self) -> None:
        self.subscribed = 0
        self.live = 0

    def heard(self, outcome: Outcome, state: str) -> None:
        if not outcome.states:
            # The first message is the job as it is now: the subscription is live.
            self.subscribed += 1
            self.live += state not in FINAL_STATES
        outcome.states.append(state)
        if state in FINAL_STATES:
            outcome.final_state = state
            outcome.final_at = time.time()


def _state_of(payload: dict[str, Any]) -> str:
    if payload.get("errors"):
        raise RuntimeError(json.dumps(payload["errors"])[:300])
    state: str = payload["data"]["jobProgress"]["state"]
    return state


async def _watch(socket: ClientConnection, job: str, protocol: str, progress: _Progress) -> Outcome:
    outcome = Outcome(job=job)
    try:
        async with socket:
            subscribe = {"query": SUBSCRIPTION, "variables": {"id": job}}
            await socket.send(
                json.dumps({"id": "1", "type": _START[protocol], "payload": subscribe})
            )
            async for raw in socket:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ping":
                    await socket.send(json.dumps({"type": "pong"}))
                elif kind == _NEXT[protocol]:
                    progress.heard(outcome, _state_of(message.get("payload") or {}))
                elif kind == "error":
                    raise RuntimeError(json.dumps(message.get("payload"))[:300])
                elif kind == "complete":
                    break
    except Exception as exc:  # each subscriber reports its own failure; the run goes on
        outcome.error = f"{type(exc).__name__}: {exc}"[:300]
    return outcome


async def _watch_sse(
    session: aiohttp.ClientSession, url: str, job: str, progress: _Progress
) -> Outcome:
    """GraphQL over SSE, distinct connections mode: one POST per subscription, answered with
    an event stream of ``next`` events and a final ``complete``."""
    outcome = Outcome(job=job)
    body = {"query": SUBSCRIPTION, "variables": {"id": job}}
    try:
        async with session.post(url, json=body, headers={"Accept": "text/event-stream"}) as answer:
            if answer.status != 200:
                raise RuntimeError(f"HTTP {answer.status}: {(await answer.text())[:200]}")
            event = ""
            async for raw in answer.content:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line.startswith("data:") and event == "next":
                    progress.heard(outcome, _state_of(json.loads(line.partition(":")[2])))
                elif line.startswith("data:") and event == "complete":
                    break
    except Exception as exc:  # each subscriber reports its own failure; the run goes on
        outcome.error = f"{type(exc).__name__}: {exc}"[:300]
    return outcome


async def _read_line(timeout_s: float) -> str:
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), timeout_s)


async def run(url: str, connections: int, timeout_s: float, parallel: int, protocol: str) -> None:
    started = time.monotonic()
    deadline = started + timeout_s
    sockets: list[ClientConnection] = []
    failures: list[str] = []
    if protocol != SSE:
        gate = asyncio.Semaphore(parallel)
        opened = await asyncio.gather(
            *(_connect(url, gate, timeout_s, protocol) for _ in range(connections)),
            return_exceptions=True,
        )
        sockets = [s for s in opened if isinstance(s, ClientConnection)]
        failures = sorted(
            {f"{type(e).__name__}: {e}"[:300] for e in opened if isinstance(e, BaseException)}
        )
    _emit(
        {
            "event": "connected",
            "count": connections if protocol == SSE else len(sockets),
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
    progress = _Progress()
    session: aiohttp.ClientSession | None = None
    if protocol == SSE:
        http_url = url.replace("ws://", "http://", 1).replace("wss://", "https://", 1)
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout_s),
        )
        tasks = [
            asyncio.create_task(_watch_sse(session, http_url, jobs[i % len(jobs)], progress))
            for i in range(connections)
        ]
    else:
        tasks = [
            asyncio.create_task(_watch(socket, jobs[i % len(jobs)], protocol, progress))
            for i, socket in enumerate(sockets)
        ]
    while (
        progress.subscribed + sum(t.done() for t in tasks) < len(tasks)
        and time.monotonic() < deadline
    ):
        await asyncio.sleep(0.02)
    _emit(
        {
            "event": "subscribed",
            "count": progress.subscribed,
            # Heard the job still running: these subscribers were idle-waiting at that moment.
            "live": progress.live,
            "wanted": connections,
            "seconds": time.monotonic() - subscribing,
        }
    )
    finished, _pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
    for task in tasks:
        task.cancel()
    if session is not None:
        await session.close()
    outcomes = [asdict(t.result() if t in finished else Outcome(error="timed out")) for t in tasks]
    outcomes += [asdict(Outcome(error=failure)) for failure in failures]
    _emit({"event": "done", "outcomes": outcomes, "seconds": time.monotonic() - started})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True, help="ws:// URL of the GraphQL endpoint")
    parser.add_argument("--connections", type=int, default=1000, help="subscribers in all")
    parser.add_argument("--timeout", type=float, default=120.0, help="whole run, seconds")
    parser.add_argument("--parallel", type=int, default=50, help="connections opened at once")
    parser.add_argument("--protocol", choices=PROTOCOLS, default=TRANSPORT_WS)
    args = parser.parse_args(argv)
    if args.connections < 1 or args.parallel < 1:
        parser.error("--connections and --parallel must be at least 1")
    # One socket per subscriber: a default soft limit of 1024 descriptors would cap the run.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(run(args.url, args.connections, args.timeout, args.parallel, args.protocol))


if __name__ == "__main__":
    main()
