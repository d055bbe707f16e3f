"""start_gateway: what it started is closed again when a later step fails."""

from __future__ import annotations

import socket
import threading

import pytest

from adapters.model import Vendor
from gateway.bootstrap import start_gateway
from gateway.emulators import EMULATOR_THREAD_NAME
from gateway.settings import GatewaySettings, SandboxSettings, VendorSettings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _can_listen(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


async def test_a_failure_after_the_emulators_started_stops_them_again() -> None:
    port = _free_port()
    # Engage "configured" with an empty key: its adapter refuses it after ExpertSender's
    # emulator is already up.
    settings = GatewaySettings(
        engage=VendorSettings(base_url="http://127.0.0.1:9", api_key=""),
        sandbox=SandboxSettings(expertsender_port=port),
    )
    with pytest.raises(ValueError, match="api_key is empty"):
        await start_gateway(settings)
    assert not any(t.name == EMULATOR_THREAD_NAME for t in threading.enumerate())
    assert _can_listen(port)


async def test_a_started_gateway_closes_what_it_started() -> None:
    port = _free_port()
    settings = GatewaySettings(sandbox=SandboxSettings(expertsender_port=port))
    gateway = await start_gateway(settings)
    try:
        assert gateway.endpoints[Vendor.EXPERTSENDER].base_url.endswith(f":{port}")
        assert not _can_listen(port)
    finally:
        await gateway.aclose()
    assert not any(t.name == EMULATOR_THREAD_NAME for t in threading.enumerate())
    assert _can_listen(port)
