"""The live contract suite: the Backend contract against whatever tenant the environment names.

Each vendor runs only when its URL, key and test contact are all set; otherwise its tests are
skipped and the run ends with one line per skipped vendor saying what to set. Every order the
suite writes has an id starting with ``LIVE_PREFIX`` and is deleted when its test ends.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from adapters.backend import Backend
from adapters.engage import EngageBackend, EngageSettings
from adapters.errors import NotFound
from adapters.expertsender import ExpertSenderBackend, ExpertSenderSettings
from adapters.model import Job, Vendor

LIVE_PREFIX = "OGLIVE-"
JOB_WAIT_S = 120.0


@dataclass(frozen=True, slots=True)
class LiveVendor:
    vendor: Vendor
    variables: tuple[str, str, str]  # base URL, API key, test contact's email

    def missing(self, environ: os._Environ[str] | dict[str, str]) -> list[str]:
        return [name for name in self.variables if not (environ.get(name) or "").strip()]

    def values(self) -> tuple[str, str, str]:
        url, key, email = (os.environ[name].strip() for name in self.variables)
        return url, key, email


VENDORS = {
    Vendor.ENGAGE: LiveVendor(
        Vendor.ENGAGE, ("ENGAGE_BASE_URL", "ENGAGE_API_KEY", "LIVE_ENGAGE_CONTACT_EMAIL")
    ),
    Vendor.EXPERTSENDER: LiveVendor(
        Vendor.EXPERTSENDER,
        ("EXPERTSENDER_BASE_URL", "EXPERTSENDER_API_KEY", "LIVE_EXPERTSENDER_CONTACT_EMAIL"),
    ),
}


def skip_reason(vendor: Vendor) -> str | None:
    missing = VENDORS[vendor].missing(os.environ)
    if not missing:
        return None
    return f"live {vendor.value} skipped: set {', '.join(missing)} to check your tenant"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live(vendor): a live contract test of one vendor")


SKIPPED_VENDORS = pytest.StashKey[list[str]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skipped: list[str] = []
    for item in items:
        marker = item.get_closest_marker("live")
        if marker is None:
            continue
        reason = skip_reason(marker.args[0])
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
            if reason not in skipped:
                skipped.append(reason)
    config.stash[SKIPPED_VENDORS] = skipped


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # One line per vendor, whatever the number of its tests.
    for reason in terminalreporter.config.stash.get(SKIPPED_VENDORS, []):
        terminalreporter.write_line(reason)


def new_order_id() -> str:
    return f"{LIVE_PREFIX}{uuid.uuid4().hex[:12].upper()}"


@dataclass
class Live:
    """One vendor's backend, its test contact, and the orders to remove afterwards."""

    backend: Backend
    contact_email: str
    written: list[str]

    def order_id(self) -> str:
        order_id = new_order_id()
        self.written.append(order_id)
        return order_id

    async def finished(self, job: Job) -> Job:
        """The job once final, polled as the gateway would (growing pauses)."""
        deadline = time.monotonic() + JOB_WAIT_S
        delay = 0.2
        while not job.state.is_final:
            assert time.monotonic() < deadline, f"job {job.job_id} still {job.state}"
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            job = await self.backend.get_job(job.job_id, known=job)
        return job

    async def remove_all(self) -> None:
        for order_id in self.written:
            assert order_id.startswith(LIVE_PREFIX)
            try:
                job = await self.backend.delete_order(order_id)
            except NotFound:
                continue
            await self.finished(job)


async def _live(make: Callable[[str, str], Backend], vendor: Vendor) -> AsyncIterator[Live]:
    url, key, email = VENDORS[vendor].values()
    live = Live(make(url, key), email, [])
    try:
        yield live
    finally:
        try:
            await live.remove_all()
        finally:
            await live.backend.aclose()


@pytest.fixture
async def engage() -> AsyncIterator[Live]:
    async for live in _live(
        lambda url, key: EngageBackend(EngageSettings(url, key, rate_per_second=10.0)),
        Vendor.ENGAGE,
    ):
        yield live


@pytest.fixture
async def expertsender() -> AsyncIterator[Live]:
    async for live in _live(
        lambda url, key: ExpertSenderBackend(ExpertSenderSettings(url, key, rate_per_second=10.0)),
        Vendor.EXPERTSENDER,
    ):
        yield live
