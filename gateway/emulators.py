"""The sandbox emulators: each vendor's emulator app, served on loopback in a thread of its own.

Each vendor that is not configured (URL and key) is served by its emulator. The emulators are
started here unless ``SANDBOX_<VENDOR>_URL`` points at some already running (the parent of a
multi-worker server, or a separate ``order-gateway sandbox`` process).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import threading
import time
from collections.abc import Mapping
from typing import Any

import uvicorn

from adapters.model import Vendor
from gateway.errors import StartupError
from gateway.settings import GatewaySettings

logger = logging.getLogger("gateway")

LOOPBACK = "127.0.0.1"
EMULATOR_START_TIMEOUT_S = 15.0


def sandbox_app(vendor: Vendor, settings: GatewaySettings) -> Any:
    """The vendor's emulator as an ASGI app, seeded with its demo data."""
    if vendor is Vendor.ENGAGE:
        from sandbox.engage import EngageSandboxSettings
        from sandbox.engage import create_app as create_engage

        engage = EngageSandboxSettings(faults=settings.sandbox.faults, variants=_variants(settings))
        if settings.sandbox.engage_job_delay_ms is not None:
            engage = dataclasses.replace(engage, job_delay_ms=settings.sandbox.engage_job_delay_ms)
        return create_engage(engage)
    from sandbox.expertsender import ExpertSenderSandboxSettings
    from sandbox.expertsender import create_app as create_expertsender

    return create_expertsender(
        ExpertSenderSandboxSettings(faults=settings.sandbox.faults, variants=_variants(settings))
    )


def _variants(settings: GatewaySettings) -> Any:
    from sandbox.variants import Variants, VariantsError

    try:
        return Variants.parse(settings.sandbox.variants)
    except VariantsError as exc:
        raise StartupError(f"SANDBOX_VARIANTS: {exc}") from None


EMULATOR_THREAD_NAME = "sandbox-emulators"


class _QuietEmulatorThread(logging.Filter):
    """Drops uvicorn's routine INFO lines (started, shutting down) from the emulators' thread,
    which would otherwise read as if the gateway itself started three times."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.threadName != EMULATOR_THREAD_NAME


_QUIET_FILTER = _QuietEmulatorThread()


class SandboxEmulators:
    """The vendor emulators, each a uvicorn server on loopback, in one background thread.

    A thread of their own (with its own event loop) keeps the emulators answering while the
    gateway's loop is busy, as real vendors would, and lets a multi-worker parent host them.
    """

    def __init__(
        self, apps: Mapping[Vendor, Any], ports: Mapping[Vendor, int], host: str = LOOPBACK
    ) -> None:
        self._servers: dict[Vendor, uvicorn.Server] = {}
        self._sockets: dict[Vendor, socket.socket] = {}
        self.urls: dict[Vendor, str] = {}
        for vendor, app in apps.items():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, ports.get(vendor, 0)))
            except OSError as exc:
                sock.close()
                self._close_sockets()
                raise StartupError(
                    f"cannot listen for the {vendor.value} sandbox on "
                    f"{host}:{ports.get(vendor, 0)}: {exc.strerror}"
                ) from None
            self._sockets[vendor] = sock
            self.urls[vendor] = f"http://{host}:{sock.getsockname()[1]}"
            # log_config=None: the emulators must not reconfigure the process's uvicorn
            # loggers (that would silence the gateway's own start-up and access logs).
            config = uvicorn.Config(
                app,
                log_config=None,
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=3,
            )
            self._servers[vendor] = uvicorn.Server(config)
        uvicorn_logger = logging.getLogger("uvicorn.error")
        if _QUIET_FILTER not in uvicorn_logger.filters:
            uvicorn_logger.addFilter(_QUIET_FILTER)
        self._thread = threading.Thread(target=self._run, name=EMULATOR_THREAD_NAME, daemon=True)
        self._failure: BaseException | None = None

    def _run(self) -> None:
        async def serve_all() -> None:
            await asyncio.gather(
                *(
                    server.serve(sockets=[self._sockets[vendor]])
                    for vendor, server in self._servers.items()
                )
            )

        try:
            asyncio.run(serve_all())
        except BaseException as exc:  # reported to the starting thread, which raises it
            self._failure = exc

    def start(self) -> SandboxEmulators:
        self._thread.start()
        deadline = time.monotonic() + EMULATOR_START_TIMEOUT_S
        while not all(server.started for server in self._servers.values()):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                reason = f": {self._failure}" if self._failure else ""
                raise StartupError(f"the sandbox emulators did not start{reason}")
            time.sleep(0.01)
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and all(
            server.started and not server.should_exit for server in self._servers.values()
        )

    def stop(self) -> None:
        for server in self._servers.values():
            server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=EMULATOR_START_TIMEOUT_S)
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets.values():
            sock.close()


def start_emulators(
    settings: GatewaySettings, vendors: list[Vendor], host: str = LOOPBACK
) -> SandboxEmulators:
    ports = {
        Vendor.ENGAGE: settings.sandbox.engage_port,
        Vendor.EXPERTSENDER: settings.sandbox.expertsender_port,
    }
    apps = {vendor: sandbox_app(vendor, settings) for vendor in vendors}
    return SandboxEmulators(apps, ports, host).start()


def announce_sandbox(urls: Mapping[Vendor, str]) -> None:
    """Say loudly that (part of) the gateway talks to emulators, not to the real vendors."""
    lines = [
        "#" * 78,
        "#  SANDBOX MODE: these vendors are EMULATED on this machine with demo data,",
        "#  nothing is sent to the real Voyado Engage / ExpertSender APIs:",
    ]
    for vendor, url in urls.items():
        lines.append(f"#    {vendor.value:<13} emulator at {url}")
        lines.append(f"#      demo contacts: {', '.join(demo_emails(vendor)[:3])}")
    lines += [
        "#  Set ENGAGE_BASE_URL + ENGAGE_API_KEY and/or EXPERTSENDER_BASE_URL +",
        "#  EXPERTSENDER_API_KEY to use a real vendor.",
        "#" * 78,
    ]
    for line in lines:
        logger.warning(line)


def sandbox_api_key(vendor: Vendor) -> str:
    """The key the emulator accepts by default; it guards nothing real."""
    if vendor is Vendor.ENGAGE:
        from sandbox.engage import DEMO_INDEX

        return str(DEMO_INDEX["api_key"])
    from sandbox.expertsender import DEMO

    return str(DEMO["api_key"])


def demo_emails(vendor: Vendor) -> list[str]:
    """Contacts of the emulator's demo data worth trying first."""
    if vendor is Vendor.ENGAGE:
        from sandbox.engage import DEMO_INDEX

        return [str(contact["email"]) for contact in DEMO_INDEX["contacts"]]
    from sandbox.expertsender import DEMO

    return [str(customer["email"]) for customer in DEMO["customers"]]


def external_sandbox_urls(settings: GatewaySettings) -> dict[Vendor, str]:
    """Emulators that already run elsewhere, by vendor (``SANDBOX_<VENDOR>_URL``)."""
    urls = {
        Vendor.ENGAGE: settings.sandbox.engage_url,
        Vendor.EXPERTSENDER: settings.sandbox.expertsender_url,
    }
    return {vendor: url for vendor, url in urls.items() if url is not None}


def sandboxed_vendors(settings: GatewaySettings) -> list[Vendor]:
    """The vendors without a URL and key: served by an emulator."""
    vendors = {Vendor.ENGAGE: settings.engage, Vendor.EXPERTSENDER: settings.expertsender}
    return [vendor for vendor, configured in vendors.items() if not configured.configured]


def start_needed_emulators(settings: GatewaySettings) -> SandboxEmulators | None:
    """Start (and announce) an emulator for each sandboxed vendor that has none running
    elsewhere; ``None`` when there is nothing to start."""
    external = external_sandbox_urls(settings)
    needed = [vendor for vendor in sandboxed_vendors(settings) if vendor not in external]
    if not needed:
        return None
    emulators = start_emulators(settings, needed)
    announce_sandbox(emulators.urls)
    return emulators
