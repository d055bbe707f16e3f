"""Access control at start-up: what it refuses to start with, and open access."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.auth.principal import OPEN_ACCESS
from gateway.auth.settings import AuthSettings
from gateway.auth.setup import start_access_control
from gateway.errors import AccessSetupError
from gateway.settings import GatewaySettings, VendorSettings
from tests.gateway.test_cli import free_port
from tests.support.auth import AUDIENCE, ISSUER, SigningKey

REAL_ENGAGE = VendorSettings(base_url="https://tenant.example.test", api_key="secret")


async def test_a_jwks_without_signing_keys_stops_start_up(tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**SigningKey.generate().jwk(), "use": "enc"}]}))
    settings = GatewaySettings(
        auth=AuthSettings(jwks_file=str(jwks), issuer=ISSUER, audience=AUDIENCE)
    )
    with pytest.raises(AccessSetupError, match="GATEWAY_AUTH_JWKS_FILE: no signing keys"):
        await start_access_control(settings)


async def test_an_unreachable_jwks_stops_start_up() -> None:
    url = f"http://127.0.0.1:{free_port()}/jwks.json"  # nothing listens there
    settings = GatewaySettings(auth=AuthSettings(jwks_url=url, issuer=ISSUER, audience=AUDIENCE))
    with pytest.raises(AccessSetupError, match="GATEWAY_AUTH_JWKS_URL: no signing keys"):
        await start_access_control(settings)


async def test_a_real_vendor_without_authentication_is_refused() -> None:
    with pytest.raises(AccessSetupError, match="GATEWAY_AUTH=off"):
        await start_access_control(GatewaySettings(engage=REAL_ENGAGE))


async def test_open_access_is_explicit_in_front_of_a_real_vendor() -> None:
    settings = GatewaySettings(engage=REAL_ENGAGE, auth=AuthSettings(required=False))
    control = await start_access_control(settings)
    assert control.open_access
    assert await control.authenticator.authenticate(None) is OPEN_ACCESS
