"""A live ExpertSender emulator on loopback, its control routes, and a backend pointed at it."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.expertsender import ExpertSenderBackend, ExpertSenderSettings
from adapters.model import ContactRef, Order, OrderLine
from sandbox.expertsender.app import create_app
from sandbox.expertsender.inferred import DEFAULT_API_KEY
from sandbox.expertsender.settings import ExpertSenderSandboxSettings
from sandbox.faults import Fault, FaultInjector, FaultSettings
from tests.support.servers import serve
from tests.support.variants import run_variants

# The log is settled once it holds still this long: long enough for a request a busy machine
# is still answering; the wait for it ends after the timeout, reached only by a hang.
SETTLE_INTERVAL_S = 0.3
SETTLE_TIMEOUT_S = 30.0


class Sandbox:
    """The emulator's URL and its ``/_sandbox/`` controls."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = httpx.Client(base_url=url, timeout=5.0)

    def faults(self, **changes: Any) -> None:
        defaults = FaultSettings().to_json()
        response = self._client.put("/_sandbox/faults", json={**defaults, **changes})
        response.raise_for_status()

    def requests(self) -> dict[str, Any]:
        """The request log once it has stopped growing: the emulator records a request after
        answering it (a dropped one only after the client has gone), so a read straight after
        the client's call could miss the last one."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        snapshot = self._snapshot()
        while time.monotonic() < deadline:
            time.sleep(SETTLE_INTERVAL_S)
            latest = self._snapshot()
            if latest["total"] == snapshot["total"]:
                return latest
            snapshot = latest
        return snapshot

    def _snapshot(self) -> dict[str, Any]:
        response = self._client.get("/_sandbox/requests")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def count(self, route: str) -> int:
        return int(self.requests()["by_route"].get(route, 0))

    def wait_for(self, route: str, count: int) -> None:
        """Until the emulator has recorded ``count`` requests to ``route`` (one still being
        answered slowly is recorded only when it ends), so none spills into the next test."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while self.count(route) < count:
            assert time.monotonic() < deadline, f"{route} never reached {count} requests"

    def reset_requests(self) -> None:
        self._client.post("/_sandbox/requests/reset").raise_for_status()

    def vendor_get(self, path: str) -> Any:
        response = self._client.get(path, headers={"x-api-key": DEFAULT_API_KEY})
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        self._client.close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with serve(
        create_app(ExpertSenderSandboxSettings(variants=run_variants())), ws="none"
    ) as server:
        control = Sandbox(server.url)
        try:
            yield control
        finally:
            control.close()


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    sandbox.faults()
    sandbox.reset_requests()
    yield sandbox
    sandbox.faults()


def settings_for(url: str, **changes: Any) -> ExpertSenderSettings:
    fast: dict[str, Any] = {
        "timeout_s": 5.0,
        "max_attempts": 3,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "rate_per_second": 1000.0,
    }
    return ExpertSenderSettings(url, DEFAULT_API_KEY, **{**fast, **changes})


@pytest.fixture
async def backend(clean_sandbox: Sandbox) -> AsyncIterator[ExpertSenderBackend]:
    backend = ExpertSenderBackend(settings_for(clean_sandbox.url))
    yield backend
    await backend.aclose()


def new_id(prefix: str = "T") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def simple_order(order_id: str | None = None, **changes: Any) -> Order:
    values: dict[str, Any] = {
        "order_id": order_id or new_id(),
        "created_at": datetime(2024, 11, 6, 10, 10, 0, 55000, tzinfo=UTC),
        "contact": ContactRef(email="jonas.lind@example.com"),
        "lines": (OrderLine(sku="SKU-1001", quantity=2, name="Wireless Earbuds", unit_price=75.0),),
        "total": 150.0,
        "time_zone": "UTC",
        **changes,
    }
    return Order(**values)


def seed_for(pattern: list[Fault], **rates: float) -> int:
    """A fault seed whose first draws are ``pattern`` and whose next few are clean, found with
    the emulator's own injector so the test follows its drawing rule."""
    for seed in range(10_000):
        injector = FaultInjector(FaultSettings(seed=seed, **rates))  # type: ignore[arg-type]
        draws = [injector.draw() for _ in range(len(pattern) + 6)]
        if draws[: len(pattern)] == pattern and all(d is Fault.NONE for d in draws[len(pattern) :]):
            return seed
    raise AssertionError(f"no seed gives {pattern}")
