"""The Engage emulator on a loopback port, a fast-configured backend, and the emulator's
control endpoints (faults, request counters, settings, applied actions)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from adapters.engage import EngageBackend, EngageSettings
from adapters.model import Job
from sandbox.engage.app import create_app
from sandbox.engage.settings import DEFAULT_API_KEY, EngageSandboxSettings
from tests.support.servers import LoopbackServer, serve
from tests.support.variants import run_variants

# Engage documents both "201 Accepted" and 202 for an accepted write.
ACCEPTED = (201, 202)


def fast_settings(url: str, **overrides: Any) -> EngageSettings:
    """Short waits and backoffs so fault tests stay quick; the rate limit is out of the way
    unless a test sets one."""
    values: dict[str, Any] = {
        "base_url": url,
        "api_key": DEFAULT_API_KEY,
        "timeout_s": 2.0,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "rate_per_second": 1000.0,
        "breaker_reset_s": 0.3,
        "version_tag_wait_s": 3.0,
        "landing_wait_s": 1.0,
        "poll_initial_s": 0.01,
        "poll_max_s": 0.05,
    }
    values.update(overrides)
    return EngageSettings(**values)


class Sandbox:
    """The emulator's `/_sandbox/` side: what it was asked, and what it should break."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = httpx.AsyncClient(base_url=f"{url}/_sandbox", timeout=5)

    async def faults(self, **changes: Any) -> None:
        response = await self._client.put("/faults", json=changes)
        assert response.status_code == 200, response.text

    async def clear_faults(self) -> None:
        await self.faults(
            latency_ms=0, error_rate=0, rate_limit_rate=0, drop_rate=0, drop_after_commit_rate=0
        )

    async def settings(self, **changes: Any) -> None:
        response = await self._client.put("/settings", json=changes)
        assert response.status_code == 200, response.text

    async def requests(self) -> dict[str, Any]:
        return dict((await self._client.get("/requests")).json())

    async def reset_requests(self) -> None:
        await self._client.post("/requests/reset")

    async def log(
        self, method: str | None = None, route: str | None = None
    ) -> list[dict[str, Any]]:
        entries = (await self.requests())["log"]
        return [
            e
            for e in entries
            if (method is None or e["method"] == method) and (route is None or e["route"] == route)
        ]

    async def handled_creates(self, order_id: str) -> int:
        """POSTs of this order the vendor's handler accepted (answered or not)."""
        entries = await self.log("POST", "/api/v3/orders")
        return sum(1 for e in entries if e["order_id"] == order_id and e["status"] in ACCEPTED)

    async def actions(self, order_id: str) -> list[dict[str, Any]]:
        response = await self._client.get("/actions", params={"orderId": order_id})
        return list(response.json()["actions"])

    async def aclose(self) -> None:
        await self._client.aclose()


@pytest.fixture
def engage_server() -> Iterator[LoopbackServer]:
    with serve(
        create_app(EngageSandboxSettings(job_delay_ms=10, variants=run_variants()))
    ) as server:
        yield server


@pytest.fixture
async def sandbox(engage_server: LoopbackServer) -> AsyncIterator[Sandbox]:
    control = Sandbox(engage_server.url)
    yield control
    await control.aclose()


@pytest.fixture
async def backend(engage_server: LoopbackServer) -> AsyncIterator[EngageBackend]:
    engage = EngageBackend(fast_settings(engage_server.url))
    yield engage
    await engage.aclose()


async def finish(backend: EngageBackend, job: Job, timeout_s: float = 30.0) -> Job:
    """Poll the job until it is final (as the gateway's job tracker would)."""
    deadline = time.monotonic() + timeout_s
    while not job.state.is_final:
        assert time.monotonic() < deadline, f"job {job.job_id} still {job.state}"
        await asyncio.sleep(0.01)
        job = await backend.get_job(job.job_id)
    return job


async def applied_actions(
    sandbox: Sandbox, order_id: str, count: int, timeout_s: float = 30.0
) -> list[dict[str, Any]]:
    """The actions Engage applied to the order, once there are ``count`` of them: an accepted
    action (a bare 202) is applied by the vendor after it answers."""
    deadline = time.monotonic() + timeout_s
    while len(applied := await sandbox.actions(order_id)) < count:
        assert time.monotonic() < deadline, f"{len(applied)} of {count} actions applied"
        await asyncio.sleep(0.01)
    return applied
