"""Wire a running gateway from its settings: emulators, backends, services and schema.

Each vendor is either *configured* (URL and key set: the real API) or served by its sandbox
emulator, started here on loopback unless ``SANDBOX_<VENDOR>_URL`` points at one already running
(the parent of a multi-worker server, or a separate ``order-gateway sandbox`` process).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import strawberry
import uvicorn

from adapters.backend import Backend
from adapters.model import Vendor
from adapters.transport import CallObserver, RateLimiter, TransportEvent, VendorTransport
from gateway.guard.log_limits import entries_within
from gateway.guard.meter import MeteredBackend
from gateway.guard.shares import ClientShares, bucket_storage
from gateway.http.extensions import schema_extensions
from gateway.log.transport import TransportEventRelay
from gateway.schema import build_schema as build_gateway_schema
from gateway.services import Services, VendorStatus, build_services
from gateway.settings import GatewaySettings, JobSettings, VendorSettings
from gateway.vendor_budget import vendor_limiter

if TYPE_CHECKING:
    from gateway.observability import Observability
    from gateway.redis import SharedState

logger = logging.getLogger("gateway")

LOOPBACK = "127.0.0.1"
EMULATOR_START_TIMEOUT_S = 15.0
READINESS_TIMEOUT_S = 2.0


class StartupError(RuntimeError):
    """The gateway cannot start; the message says why in one line."""


# --- sandbox emulators -----------------------------------------------------------------------


def sandbox_app(vendor: Vendor, settings: GatewaySettings) -> Any:
    """The vendor's emulator as an ASGI app, seeded with its demo data."""
    if vendor is Vendor.ENGAGE:
        from sandbox.engage.app import create_app as create_engage
        from sandbox.engage.settings import EngageSandboxSettings

        return create_engage(
            EngageSandboxSettings(
                job_delay_ms=settings.sandbox.engage_job_delay_ms,
                faults=_fault_settings(settings),
                variants=_variants(settings),
            )
        )
    from sandbox.expertsender.app import create_app as create_expertsender
    from sandbox.expertsender.settings import ExpertSenderSandboxSettings

    return create_expertsender(
        ExpertSenderSandboxSettings(faults=_fault_settings(settings), variants=_variants(settings))
    )


def _variants(settings: GatewaySettings) -> Any:
    from sandbox.variants import Variants, VariantsError

    try:
        return Variants.parse(settings.sandbox.variants)
    except VariantsError as exc:
        raise StartupError(f"SANDBOX_VARIANTS: {exc}") from None


def _fault_settings(settings: GatewaySettings) -> Any:
    from sandbox.faults import FaultSettings, FaultSettingsError

    try:
        return FaultSettings(**dataclasses.asdict(settings.sandbox.faults))
    except FaultSettingsError as exc:
        raise StartupError(f"sandbox faults: {exc}") from None


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
        from sandbox.engage.demo import DEMO_INDEX

        return str(DEMO_INDEX["api_key"])
    from sandbox.expertsender.demo import DEMO

    return str(DEMO["api_key"])


def demo_emails(vendor: Vendor) -> list[str]:
    """Contacts of the emulator's demo data worth trying first."""
    if vendor is Vendor.ENGAGE:
        from sandbox.engage.demo import DEMO_INDEX

        return [str(contact["email"]) for contact in DEMO_INDEX["contacts"]]
    from sandbox.expertsender.demo import DEMO

    return [str(customer["email"]) for customer in DEMO["customers"]]


# --- backends ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VendorEndpoint:
    vendor: Vendor
    base_url: str
    api_key: str = field(repr=False)
    sandbox: bool
    settings: VendorSettings


def build_backend(
    endpoint: VendorEndpoint,
    on_event: Callable[[TransportEvent], None] | None = None,
    *,
    jobs: JobSettings | None = None,
    job_signing_key: str | None = None,
    limiter: RateLimiter | None = None,
    observer: CallObserver | None = None,
) -> Backend:
    """The vendor's adapter, pointed at the real API or at its emulator. ``jobs``: a lost
    write is looked for on the job-poll schedule up to the job timeout; ``job_signing_key``
    signs the ids of synchronous vendors' jobs (derived from the API key when None)."""
    vendor_settings = endpoint.settings
    jobs = jobs or JobSettings()
    if endpoint.vendor is Vendor.ENGAGE:
        from adapters.engage import EngageBackend, EngageSettings

        engage = EngageSettings(
            base_url=endpoint.base_url,
            api_key=endpoint.api_key,
            timeout_s=vendor_settings.timeout_s,
            rate_per_second=vendor_settings.rate_limit_per_s,
            landing_delays=jobs.poll_delays,
            landing_wait_s=jobs.timeout_s,
        )
        return EngageBackend.from_transport(
            engage,
            VendorTransport(
                engage.transport_settings(), on_event=on_event, limiter=limiter, observer=observer
            ),
        )
    from adapters.expertsender import ExpertSenderBackend, ExpertSenderSettings

    expertsender = ExpertSenderSettings(
        api_key=endpoint.api_key,
        base_url=endpoint.base_url,
        timeout_s=vendor_settings.timeout_s,
        rate_per_second=vendor_settings.rate_limit_per_s,
        job_signing_key=job_signing_key,
    )
    return ExpertSenderBackend.from_transport(
        expertsender,
        VendorTransport(
            expertsender.transport_settings(), on_event=on_event, limiter=limiter, observer=observer
        ),
    )


# --- the running gateway ----------------------------------------------------------------------


@dataclass(eq=False)
class Gateway:
    settings: GatewaySettings
    services: Services
    schema: strawberry.Schema
    endpoints: Mapping[Vendor, VendorEndpoint]
    emulators: SandboxEmulators | None = None
    # Each client's share of the vendors (the schema's cost checks and the backends use it).
    shares: ClientShares | None = None

    async def readiness(self) -> dict[str, bool]:
        """Per vendor: its emulator answers (sandbox) or its backend is built (real API).

        A real vendor is not called: probes run every few seconds and would spend the rate
        limit the vendor grants; its failures show up as circuit-breaker errors instead.
        """
        components: dict[str, bool] = {}
        async with httpx.AsyncClient(timeout=READINESS_TIMEOUT_S) as client:
            for vendor, endpoint in self.endpoints.items():
                ready = vendor in self.services.backends
                if ready and endpoint.sandbox:
                    ready = await _answers(client, f"{endpoint.base_url}/_sandbox/faults")
                components[vendor.value.lower()] = ready
        if self.services.shared is not None:
            components["state"] = await self.services.shared.ping()
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
        else:
            endpoints[vendor] = VendorEndpoint(
                vendor, emulator_urls[vendor], sandbox_api_key(vendor), True, vendor_settings
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


def build_schema(
    settings: GatewaySettings,
    observability: Observability | None = None,
    shares: ClientShares | None = None,
) -> strawberry.Schema:
    # The observer comes first, so that it sees each result after error masking.
    observed = [] if observability is None else [observability.schema_extension()]
    guard = schema_extensions(
        settings.limits, introspection=settings.introspection_enabled, shares=shares
    )
    return build_gateway_schema(extensions=[*observed, *guard])


async def connect_shared_state(settings: GatewaySettings) -> SharedState | None:
    """The Redis-backed shared state if ``GATEWAY_REDIS_URL`` is set; ``StartupError`` (one
    line, no password) if Redis does not answer."""
    if settings.redis_url is None:
        return None
    from gateway.redis import RedisUnreachable, SharedState

    try:
        state = await SharedState.connect(settings.redis_url, settings.redis_key_prefix)
    except RedisUnreachable as exc:
        raise StartupError(str(exc)) from None
    logger.info(
        "sharing jobs, job progress, idempotency keys, the integration log and cache "
        "invalidations with other gateway processes through Redis at %s (key prefix %r)",
        state.url,
        settings.redis_key_prefix,
    )
    from gateway.redis.connection import UNAVAILABLE
    from gateway.redis.persistence import check_persistence

    try:
        persistence = await check_persistence(state.client)
    except UNAVAILABLE:
        logger.warning("could not check Redis persistence: Redis stopped answering")
    else:
        log = logger.info if persistence.append_only else logger.warning
        log("%s", persistence.describe())
    return state


async def start_gateway(
    settings: GatewaySettings, observability: Observability | None = None
) -> Gateway:
    """Connect the shared state, start emulators as needed, build backends and services;
    undone on failure."""
    shared = await connect_shared_state(settings)
    emulator_urls = external_sandbox_urls(settings)
    sandboxed = sandboxed_vendors(settings)
    to_start = [vendor for vendor in sandboxed if vendor not in emulator_urls]
    try:
        emulators = (
            await asyncio.to_thread(start_emulators, settings, to_start) if to_start else None
        )
    except BaseException:
        if shared is not None:
            await shared.aclose()
        raise
    backends: dict[Vendor, Backend] = {}
    try:
        if emulators is not None:
            emulator_urls.update(emulators.urls)
        if emulators is not None:
            announce_sandbox(emulators.urls)
        for vendor in sandboxed:
            if emulators is None or vendor not in emulators.urls:
                logger.warning(
                    "%s: SANDBOX emulator at %s, not the real API",
                    vendor.value,
                    emulator_urls[vendor],
                )
        endpoints = vendor_endpoints(settings, emulator_urls)
        relay = TransportEventRelay()
        shares = ClientShares(
            settings.clients,
            storage=bucket_storage(settings.redis_url, settings.redis_key_prefix),
        )
        on_event = relay if observability is None else _both(relay, observability)
        for vendor, endpoint in endpoints.items():
            limiter = vendor_limiter(
                vendor,
                endpoint.api_key,
                endpoint.settings.rate_limit_per_s,
                processes=settings.workers,
                shared=shared,
            )
            built = build_backend(
                endpoint,
                on_event=on_event,
                jobs=settings.jobs,
                job_signing_key=settings.job_signing_key,
                limiter=limiter
                if observability is None
                else observability.timed_limiter(limiter, vendor),
                observer=None if observability is None else observability.vendor_calls,
            )
            backends[vendor] = MeteredBackend(
                built, shares, rate_per_s=endpoint.settings.rate_limit_per_s
            )
        vendor_info = {
            vendor: VendorStatus(configured=True, sandbox=endpoint.sandbox)
            for vendor, endpoint in endpoints.items()
        }
        services = build_services(
            backends,
            vendor_info,
            poll_schedule=_poll_schedule(settings),
            job_timeout_s=settings.jobs.timeout_s,
            cache_ttl_s=settings.cache_ttl_s,
            cache_enabled=settings.cache_enabled,
            log_max_entries=entries_within(settings.log_max_entries, settings.log_max_bytes),
            transport_events=relay,
            shared=shared,
            job_lease_ttl_s=settings.jobs.lease_ttl_s,
            idempotency_lease_s=settings.idempotency_lease_s,
        )
        schema = build_schema(settings, observability, shares)
    except BaseException:
        for backend in backends.values():
            await backend.aclose()
        if shared is not None:
            await shared.aclose()
        if emulators is not None:
            await asyncio.to_thread(emulators.stop)
        raise
    return Gateway(settings, services, schema, endpoints, emulators, shares)


def _both(
    relay: TransportEventRelay, observability: Observability
) -> Callable[[TransportEvent], None]:
    def on_event(event: TransportEvent) -> None:
        relay(event)
        observability.on_transport_event(event)

    return on_event


def _poll_schedule(settings: GatewaySettings) -> object:
    from gateway.jobs import PollSchedule

    return PollSchedule.of(settings.jobs.poll_delays, jitter=settings.jobs.poll_jitter)
