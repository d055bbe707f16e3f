"""start_needed_emulators: an emulator for each sandboxed vendor that has none running elsewhere."""

from __future__ import annotations

import httpx

from adapters.model import Vendor
from gateway.emulators import start_needed_emulators
from gateway.settings import GatewaySettings, SandboxSettings, VendorSettings

REAL_ENGAGE = VendorSettings(base_url="https://tenant.example.com", api_key="key")


def test_nothing_starts_when_every_sandboxed_vendor_has_an_emulator_elsewhere() -> None:
    settings = GatewaySettings(
        engage=REAL_ENGAGE,
        sandbox=SandboxSettings(expertsender_url="http://127.0.0.1:8102"),
    )
    assert start_needed_emulators(settings) is None


def test_only_the_sandboxed_vendor_without_an_emulator_gets_one() -> None:
    emulators = start_needed_emulators(GatewaySettings(engage=REAL_ENGAGE))
    assert emulators is not None
    try:
        assert set(emulators.urls) == {Vendor.EXPERTSENDER}
        answer = httpx.get(f"{emulators.urls[Vendor.EXPERTSENDER]}/_sandbox/faults", timeout=5)
        assert answer.status_code == 200
    finally:
        emulators.stop()
    assert not emulators.running
