"""The access-control environment variables: parsed, checked together, named when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.auth.settings import AuthSettings, ClientLimitSettings, TrustedDocumentSettings
from gateway.errors import SettingsError
from gateway.settings import load_settings


def test_access_settings_are_parsed(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("")
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text("{}")
    settings = load_settings(
        {
            "GATEWAY_AUTH": "on",
            "GATEWAY_AUTH_JWKS_URL": "https://id.example.test/.well-known/jwks.json",
            "GATEWAY_AUTH_ISSUER": "https://id.example.test/",
            "GATEWAY_AUTH_AUDIENCE": "order-gateway",
            "GATEWAY_AUTH_LEEWAY_S": "10",
            "GATEWAY_AUTH_JWKS_REFRESH_MIN_S": "60",
            "GATEWAY_API_KEYS_FILE": str(keys),
            "GATEWAY_CLIENT_RATE_LIMIT": "20",
            "GATEWAY_CLIENT_COST_PER_MINUTE": "600",
            "GATEWAY_TRUSTED_DOCUMENTS": str(manifest),
            "GATEWAY_TRUSTED_DOCUMENTS_ONLY": "true",
        }
    )
    assert settings.auth == AuthSettings(
        required=True,
        jwks_url="https://id.example.test/.well-known/jwks.json",
        issuer="https://id.example.test/",
        audience="order-gateway",
        leeway_s=10,
        jwks_refresh_min_s=60,
        api_keys_file=str(keys),
    )
    assert settings.client_limits == ClientLimitSettings(requests_per_s=20, cost_per_minute=600)
    assert settings.trusted_documents == TrustedDocumentSettings(str(manifest), only=True)


@pytest.mark.parametrize(
    ("environ", "variable", "words"),
    [
        ({"GATEWAY_AUTH": "maybe"}, "GATEWAY_AUTH", "on or off"),
        ({"GATEWAY_AUTH": "on"}, "GATEWAY_AUTH", "GATEWAY_API_KEYS_FILE"),
        ({"GATEWAY_API_KEYS_FILE": "/no/such/file"}, "GATEWAY_API_KEYS_FILE", "no such file"),
        (
            {"GATEWAY_AUTH_JWKS_URL": "https://id.example.test/jwks"},
            "GATEWAY_AUTH_ISSUER",
            "must be set",
        ),
        (
            {"GATEWAY_AUTH_JWKS_URL": "https://id.example.test/jwks", "GATEWAY_AUTH_ISSUER": "x"},
            "GATEWAY_AUTH_AUDIENCE",
            "must be set",
        ),
        ({"GATEWAY_AUTH_JWKS_URL": "ftp://id"}, "GATEWAY_AUTH_JWKS_URL", "http(s) URL"),
        ({"GATEWAY_AUTH_JWKS_URL": "http://id.example.test/"}, "GATEWAY_AUTH_JWKS_URL", "https://"),
        ({"GATEWAY_CLIENT_RATE_LIMIT": "0"}, "GATEWAY_CLIENT_RATE_LIMIT", "at least 1"),
        ({"GATEWAY_CLIENT_COST_PER_MINUTE": "x"}, "GATEWAY_CLIENT_COST_PER_MINUTE", "integer"),
        (
            {"GATEWAY_TRUSTED_DOCUMENTS_ONLY": "true"},
            "GATEWAY_TRUSTED_DOCUMENTS_ONLY",
            "needs GATEWAY_TRUSTED_DOCUMENTS",
        ),
    ],
)
def test_a_bad_access_setting_names_its_variable(
    environ: dict[str, str], variable: str, words: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(environ)
    assert refused.value.variable == variable
    assert words in str(refused.value)


def test_a_jwks_url_on_loopback_may_be_plain_http() -> None:
    environ = {
        "GATEWAY_AUTH_JWKS_URL": "http://127.0.0.1:8080/jwks.json",
        "GATEWAY_AUTH_ISSUER": "i",
        "GATEWAY_AUTH_AUDIENCE": "a",
    }
    assert load_settings(environ).auth.jwks_url == "http://127.0.0.1:8080/jwks.json"


def test_auth_off_with_authentication_configured_is_a_contradiction(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("")
    with pytest.raises(SettingsError) as refused:
        load_settings({"GATEWAY_AUTH": "off", "GATEWAY_API_KEYS_FILE": str(keys)})
    assert refused.value.variable == "GATEWAY_AUTH"


def test_jwks_url_and_file_together_are_refused(tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text("{}")
    environ = {
        "GATEWAY_AUTH_JWKS_URL": "https://id.example.test/jwks",
        "GATEWAY_AUTH_JWKS_FILE": str(jwks),
        "GATEWAY_AUTH_ISSUER": "x",
        "GATEWAY_AUTH_AUDIENCE": "y",
    }
    with pytest.raises(SettingsError) as refused:
        load_settings(environ)
    assert refused.value.variable == "GATEWAY_AUTH_JWKS_FILE"
