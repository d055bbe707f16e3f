"""Retries and exhausted retries of a real transport land in the integration log."""

from __future__ import annotations

import httpx
import pytest

from adapters.errors import UpstreamError
from adapters.expertsender import ExpertSenderBackend, ExpertSenderSettings
from adapters.model import LogSeverity, Vendor
from gateway.log import LogFilter, MemoryIntegrationLog
from gateway.log.transport import TransportEventRelay
from sandbox.expertsender import inferred
from sandbox.expertsender.app import create_app
from tests.support.servers import serve


async def test_exhausted_retries_are_errors_and_retries_are_info() -> None:
    relay = TransportEventRelay()
    log = MemoryIntegrationLog()
    with serve(create_app()) as emulator:
        httpx.put(f"{emulator.url}/_sandbox/faults", json={"error_rate": 1.0}).raise_for_status()
        backend = ExpertSenderBackend(
            ExpertSenderSettings(
                api_key=inferred.DEFAULT_API_KEY,
                base_url=emulator.url,
                max_attempts=2,
                backoff_base_s=0.01,
                backoff_max_s=0.01,
            ),
            on_event=relay,
        )
        try:
            # Before the log is attached, events are only counted.
            with pytest.raises(UpstreamError):
                await backend.get_orders(["ES-1001"])
            assert relay.unlogged >= 1
            relay.attach(log)
            with pytest.raises(UpstreamError):
                await backend.get_orders(["ES-1001"])
        finally:
            await backend.aclose()
    entries = (await log.query(LogFilter(vendor=Vendor.EXPERTSENDER), 50, None)).entries
    by_severity = {entry.severity for entry in entries}
    assert by_severity == {LogSeverity.INFO, LogSeverity.ERROR}
    [gave_up] = [e for e in entries if e.severity is LogSeverity.ERROR]
    assert gave_up.message.startswith("Gave up on GET /orders/ES-1001")
    assert gave_up.details["upstream_status"] == 503
    assert "127.0.0.1" not in gave_up.message
