"""Vendor client settings hand every transport knob on, and only those."""

from __future__ import annotations

from dataclasses import fields

from adapters.transport import TransportSettings, VendorClientSettings


def test_every_vendor_client_knob_reaches_the_transport() -> None:
    knobs = VendorClientSettings("http://127.0.0.1:1", "key").transport_knobs()
    transport_fields = {f.name for f in fields(TransportSettings)}
    assert knobs and set(knobs) <= transport_fields
    assert transport_fields - set(knobs) == {"base_url", "headers", "vendor"}


def test_the_api_key_is_not_a_knob_and_not_in_repr() -> None:
    settings = VendorClientSettings("http://127.0.0.1:1", "secret-key", timeout_s=2.5)
    assert "api_key" not in settings.transport_knobs()
    assert settings.transport_knobs()["timeout_s"] == 2.5
    assert "secret-key" not in repr(settings)
