"""GATEWAY_CORS_ORIGINS: each origin is matched exactly, so one with a wildcard inside it
(``https://*.example.com``) could never match a browser's Origin; it is refused at start-up
instead of silently letting no page in."""

from __future__ import annotations

import pytest

from gateway.errors import SettingsError
from gateway.settings import load_settings


@pytest.mark.parametrize(
    "value", ["https://*.example.com", "https://app.example.com,http://*:5173", "http://*"]
)
def test_a_wildcard_inside_an_origin_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"GATEWAY_CORS_ORIGINS": value})
    assert str(refused.value).startswith("GATEWAY_CORS_ORIGINS: ")
    assert "\n" not in str(refused.value)


def test_any_origin_and_exact_origins_are_accepted() -> None:
    assert load_settings({"GATEWAY_CORS_ORIGINS": "*"}).cors_origins == ("*",)
    listed = load_settings(
        {"GATEWAY_CORS_ORIGINS": "https://app.example.com, http://localhost:5173"}
    )
    assert listed.cors_origins == ("https://app.example.com", "http://localhost:5173")
