"""build_backend: each vendor's adapter gets the URL, key, timeout and rate of its settings."""

from __future__ import annotations

import pytest

from adapters.engage import EngageBackend
from adapters.expertsender import ExpertSenderBackend
from adapters.model import Vendor
from gateway.backends import build_backend, vendor_endpoints
from gateway.settings import GatewaySettings, VendorSettings


@pytest.mark.parametrize(
    ("vendor", "kind"), [(Vendor.ENGAGE, EngageBackend), (Vendor.EXPERTSENDER, ExpertSenderBackend)]
)
async def test_a_configured_vendor_gets_its_own_settings(vendor: Vendor, kind: type) -> None:
    configured = VendorSettings(
        base_url="https://vendor.example.com", api_key="k", rate_limit_per_s=7.0, timeout_s=3.0
    )
    settings = GatewaySettings(engage=configured, expertsender=configured)
    endpoint = vendor_endpoints(settings, {})[vendor]
    assert not endpoint.sandbox
    backend = build_backend(endpoint)
    try:
        assert isinstance(backend, kind)
        assert isinstance(backend, EngageBackend | ExpertSenderBackend)
        transport = backend.transport.settings
        assert transport.base_url == "https://vendor.example.com"
        assert (transport.rate_per_second, transport.timeout_s) == (7.0, 3.0)
    finally:
        await backend.aclose()


def test_a_sandboxed_vendor_points_at_its_emulator_with_the_demo_key() -> None:
    endpoint = vendor_endpoints(
        GatewaySettings(),
        {Vendor.ENGAGE: "http://127.0.0.1:1", Vendor.EXPERTSENDER: "http://127.0.0.1:2"},
    )[Vendor.EXPERTSENDER]
    assert endpoint.sandbox
    assert endpoint.base_url == "http://127.0.0.1:2"
    assert endpoint.api_key
