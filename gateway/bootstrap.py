"""Wire a running gateway from its settings: emulators, backends, services and schema.

Each vendor is either *configured* (URL and key set: the real API) or served by its sandbox
emulator, started here on loopback unless ``SANDBOX_<VENDOR>_URL`` points at one already running
(the parent of a multi-worker server, or a separate ``order-gateway sandbox`` process).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import strawberry
import uvicorn

from adapters.backend import Backend
from adapters.model import Vendor
from gateway.http.extensions import schema_extensions
from gateway.services import Services, VendorStatus, build_services
from gateway.settings import GatewaySettings, VendorSettings

logger = logging.getLogger("gateway")

LOOPBACK = "127.0.0.1"
# The emulators accept these keys; they guard nothing real and are fine to print.
SANDBOX_API_KEYS: Mapping[Vendor, str] = {
    Vendor.ENGAGE: "sandbox-engage-key",
    Vendor.EXPERTSENDER: "sandbox-expertsender-key",
}
EMULATOR_START_TIMEOUT_S = 15.0
READINESS_TIMEOUT_S = 2.0


class StartupError(RuntimeError):
    """The gateway cannot start; the message says why in one line."""


# --- sandbox emulators -----------------------------------------------------------------------


def sandbox_app(vendor: Vendor, settings: GatewaySettings) -> Any:
    """The vendor's emulator as an ASGI app, built from ``sandbox.<vendor>.app``."""
    module_name = f"sandbox.{vendor.value.lower()}.app"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise StartupError(f"the {vendor.value} sandbox emulator is not available ({exc})") from exc
    return module.create_app(_emulator_settings(vendor, module, settings))


def _emulator_settings(vendor: Vendor, module: Any, settings: GatewaySettings) -> Any:
    settings_class_name = (
        "EngageSandboxSettings" if vendor is Vendor.ENGAGE else "ExpertSenderSandboxSettings"
    )
    settings_class = getattr(module, settings_class_name, None)
    if settings_class is None:
        return None
    wanted: dict[str, Any] = {"api_key": SANDBOX_API_KEYS[vendor]}
    if vendor is Vendor.ENGAGE:
        wanted["job_delay_ms"] = settings.sandbox.engage_job_delay_ms
    known = getattr(settings_class, "__dataclass_fields__", None) or getattr(
        settings_class, "model_fields", {}
    )
    return settings_class(**{name: value for name, value in wanted.items() if name in known})


class SandboxEmulators:
    """The vendor emulators, each a uvicorn server on loopback, in one background thread.

    A thread of their own (with its own event loop) keeps the emulators answering while the
    gateway's loop is busy, as real vendors would, and lets a multi-worker parent host them.
    """

    def __init__(self, apps: Mapping[Vendor, Any], ports: Mapping[Vendor, int]) -> None:
        self._servers: dict[Vendor, uvicorn.Server] = {}
        self._sockets: dict[Vendor, socket.socket] = {}
        self.urls: dict[Vendor, str] = {}
        for vendor, app in apps.items():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((LOOPBACK, ports.get(vendor, 0)))
            except OSError as exc:
                sock.close()
                self._close_sockets()
                raise StartupError(
                    f"cannot listen for the {vendor.value} sandbox on "
                    f"{LOOPBACK}:{ports.get(vendor, 0)}: {exc.strerror}"
                ) from None
            self._sockets[vendor] = sock
            self.urls[vendor] = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
            config = uvicorn.Config(
                app, log_level="warning", lifespan="on", timeout_graceful_shutdown=3
            )
            self._servers[vendor] = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="sandbox-emulators", daemon=True)
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


def _has_emulator(vendor: Vendor) -> bool:
    try:
        importlib.import_module(f"sandbox.{vendor.value.lower()}.app")
    except ModuleNotFoundError as exc:
        logger.error("%s is unavailable: its sandbox emulator is missing (%s)", vendor.value, exc)
        return False
    return True


def start_emulators(settings: GatewaySettings, vendors: list[Vendor]) -> SandboxEmulators:
    ports = {
        Vendor.ENGAGE: settings.sandbox.engage_port,
        Vendor.EXPERTSENDER: settings.sandbox.expertsender_port,
    }
    apps = {vendor: sandbox_app(vendor, settings) for vendor in vendors}
    return SandboxEmulators(apps, ports).start()


def announce_sandbox(urls: Mapping[Vendor, str]) -> None:
    """Say loudly that (part of) the gateway talks to emulators, not to the real vendors."""
    lines = [
        "#" * 78,
        "#  SANDBOX MODE: these vendors are EMULATED on this machine with demo data,",
        "#  nothing is sent to the real Voyado Engage / ExpertSender APIs:",
    ]
    lines += [f"#    {vendor.value:<13} emulator at {url}" for vendor, url in urls.items()]
    emails = demo_emails()
    if emails:
        lines.append("#  Demo contacts to try: " + ", ".join(emails))
    lines += [
        "#  Set ENGAGE_BASE_URL + ENGAGE_API_KEY and/or EXPERTSENDER_BASE_URL +",
        "#  EXPERTSENDER_API_KEY to use a real vendor.",
        "#" * 78,
    ]
    for line in lines:
        logger.warning(line)


def demo_emails() -> list[str]:
    """The emulators' demo contact emails, as far as the sandbox package publishes them."""
    try:
        demo = importlib.import_module("sandbox.demo")
    except ModuleNotFoundError:
        return []
    emails = getattr(demo, "DEMO_EMAILS", ())
    return [str(email) for email in emails]


# --- backends ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VendorEndpoint:
    vendor: Vendor
    base_url: str
    api_key: str = field(repr=False)
    sandbox: bool
    settings: VendorSettings


def build_backend(endpoint: VendorEndpoint) -> Backend | None:
    """The vendor's adapter, pointed at the real API or at its emulator; ``None`` (the vendor
    is then unavailable) when this installation lacks the adapter."""
    package = f"adapters.{endpoint.vendor.value.lower()}"
    try:
        module = importlib.import_module(package)
    except ModuleNotFoundError as exc:
        logger.error("%s is unavailable: its adapter is missing (%s)", endpoint.vendor.value, exc)
        return None
    if endpoint.vendor is Vendor.ENGAGE:
        backend_class, settings_class = module.EngageBackend, module.EngageSettings
    else:
        backend_class, settings_class = module.ExpertSenderBackend, module.ExpertSenderSettings
    backend: Backend = backend_class(
        settings_class(
            base_url=endpoint.base_url,
            api_key=endpoint.api_key,
            timeout_s=endpoint.settings.timeout_s,
            rate_per_second=endpoint.settings.rate_limit_per_s,
        )
    )
    return backend


# --- the running gateway ----------------------------------------------------------------------


@dataclass(eq=False)
class Gateway:
    settings: GatewaySettings
    services: Services
    schema: strawberry.Schema
    endpoints: Mapping[Vendor, VendorEndpoint]
    emulators: SandboxEmulators | None = None

    async def readiness(self) -> dict[str, bool]:
        """Per component: the emulators this process started answer, each backend is built."""
        components: dict[str, bool] = {}
        sandbox_urls = [e.base_url for e in self.endpoints.values() if e.sandbox]
        if self.emulators is not None:
            components["sandbox"] = self.emulators.running
        async with httpx.AsyncClient(timeout=READINESS_TIMEOUT_S) as client:
            for vendor, endpoint in self.endpoints.items():
                name = vendor.value.lower()
                if vendor not in self.services.backends:
                    components[name] = False
                elif endpoint.base_url in sandbox_urls:
                    components[name] = await _answers(
                        client, endpoint.base_url + "/_sandbox/faults"
                    )
                else:
                    components[name] = True
        return components

    async def aclose(self) -> None:
        try:
            await self.services.aclose()
        finally:
            if self.emulators is not None:
                await asyncio.to_thread(self.emulators.stop)


async def _answers(client: httpx.AsyncClient, url: str) -> bool:
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return False
    return response.status_code < 500


def vendor_endpoints(
    settings: GatewaySettings, emulator_urls: Mapping[Vendor, str]
) -> dict[Vendor, VendorEndpoint]:
    endpoints: dict[Vendor, VendorEndpoint] = {}
    for vendor, vendor_settings in _vendor_settings(settings).items():
        if vendor_settings.configured:
            assert vendor_settings.base_url is not None and vendor_settings.api_key is not None
            endpoints[vendor] = VendorEndpoint(
                vendor, vendor_settings.base_url, vendor_settings.api_key, False, vendor_settings
            )
        elif vendor in emulator_urls:
            endpoints[vendor] = VendorEndpoint(
                vendor, emulator_urls[vendor], SANDBOX_API_KEYS[vendor], True, vendor_settings
            )
    return endpoints


def _vendor_settings(settings: GatewaySettings) -> dict[Vendor, VendorSettings]:
    return {Vendor.ENGAGE: settings.engage, Vendor.EXPERTSENDER: settings.expertsender}


def external_sandbox_urls(settings: GatewaySettings) -> dict[Vendor, str]:
    urls = {
        Vendor.ENGAGE: settings.sandbox.engage_url,
        Vendor.EXPERTSENDER: settings.sandbox.expertsender_url,
    }
    return {vendor: url for vendor, url in urls.items() if url is not None}


def sandboxed_vendors(settings: GatewaySettings) -> list[Vendor]:
    return [vendor for vendor, vs in _vendor_settings(settings).items() if not vs.configured]


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    from gateway import schema as schema_package

    extensions = schema_extensions(settings.limits)
    build = getattr(schema_package, "build_schema", None)
    if build is None:  # the schema package is still being written: serve a stand-in
        return strawberry.Schema(query=_StandInQuery, extensions=extensions)
    schema: strawberry.Schema = build(extensions=extensions)
    return schema


@strawberry.type
class _StandInQuery:
    @strawberry.field
    def ping(self) -> str:
        return "pong"


async def start_gateway(settings: GatewaySettings) -> Gateway:
    """Start emulators as needed, build backends and services; undone on failure."""
    emulator_urls = external_sandbox_urls(settings)
    sandboxed = [v for v in sandboxed_vendors(settings) if v in emulator_urls or _has_emulator(v)]
    to_start = [vendor for vendor in sandboxed if vendor not in emulator_urls]
    emulators = await asyncio.to_thread(start_emulators, settings, to_start) if to_start else None
    backends: dict[Vendor, Backend] = {}
    try:
        if emulators is not None:
            emulator_urls.update(emulators.urls)
        if sandboxed:
            announce_sandbox({vendor: emulator_urls[vendor] for vendor in sandboxed})
        endpoints = vendor_endpoints(settings, emulator_urls)
        for vendor, endpoint in endpoints.items():
            backend = build_backend(endpoint)
            if backend is not None:
                backends[vendor] = backend
        vendor_info = {
            vendor: VendorStatus(configured=vendor in backends, sandbox=endpoint.sandbox)
            for vendor, endpoint in endpoints.items()
        }
        services = build_services(
            backends,
            vendor_info,
            poll_schedule=_poll_schedule(settings),
            job_timeout_s=settings.jobs.timeout_s,
            cache_ttl_s=settings.cache_ttl_s or 1.0,
            cache_enabled=settings.cache_enabled,
            log_max_entries=settings.log_max_entries,
        )
        schema = build_schema(settings)
    except BaseException:
        for backend in backends.values():
            await backend.aclose()
        if emulators is not None:
            await asyncio.to_thread(emulators.stop)
        raise
    return Gateway(settings, services, schema, endpoints, emulators)


def _poll_schedule(settings: GatewaySettings) -> object:
    from gateway.jobs import PollSchedule

    return PollSchedule.of(settings.jobs.poll_delays, jitter=settings.jobs.poll_jitter)
