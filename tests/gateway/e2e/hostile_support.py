"""Helpers for hostile-input tests: a /healthz probe running beside an attack, and RSS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.gateway import GatewayHandle

# /healthz must answer within this while and after a hostile request is handled.
HEALTH_DEADLINE_S = 1.0
# Growth of the process's resident memory a hostile case may cause (the gateway runs in the
# test process): generous, since allocators keep freed memory, but far below what the
# attacks cost before they were bounded (hundreds of MB).
RSS_BOUND_BYTES = 64 * 1024 * 1024


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def health_answers(gw: GatewayHandle) -> bool:
    try:
        response = httpx.get(f"{gw.url}/healthz", timeout=HEALTH_DEADLINE_S)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


@contextmanager
def stays_healthy(gw: GatewayHandle) -> Iterator[None]:
    """/healthz answers within a second throughout the block, and after it; RSS grows less
    than ``RSS_BOUND_BYTES``."""
    failures: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            started = time.monotonic()
            if not health_answers(gw):
                failures.append(time.monotonic() - started)
            stop.wait(0.05)

    before = rss_bytes()
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not failures, f"/healthz did not answer within {HEALTH_DEADLINE_S}s: {failures}"
    assert health_answers(gw), "/healthz does not answer after the request"
    grown = rss_bytes() - before
    assert grown < RSS_BOUND_BYTES, f"RSS grew by {grown / 2**20:.0f} MB"


def codes(result: dict[str, object]) -> list[object]:
    errors = result.get("errors") or []
    assert isinstance(errors, list)
    return [error.get("extensions", {}).get("code") for error in errors]
