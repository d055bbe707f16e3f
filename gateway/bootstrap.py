"""Start a gateway from its settings: shared state, emulators, backends, services and schema.

``start_gateway`` is what the app's lifespan runs; the parts live in ``gateway.emulators``
(the sandbox) and ``gateway.backends`` (the vendor adapters).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import strawberry

from adapters.backend import Backend
from adapters.model import Vendor
from adapters.transport import PriorityGate, TransportEvent, VendorCallPriority
from gateway.backends import VendorEndpoint, build_backend, vendor_endpoints
from gateway.emulators import (
    SandboxEmulators,
    external_sandbox_urls,
    sandboxed_vendors,
    start_needed_emulators,
)
from gateway.errors import StartupError
from gateway.guard.meter import MeteredBackend
from gateway.guard.shares import ClientShares, bucket_storage
from gateway.http.extensions import schema_extensions
from gateway.jobs import PollSchedule
from gateway.log import TransportEventRelay, entries_within
from gateway.schema import build_schema as build_gateway_schema
from gateway.services import Services, VendorStatus, build_services
from gateway.settings import GatewaySettings
from gateway.vendor_budget import vendor_limiter

if TYPE_CHECKING:
    from gateway.observability import Observability
    from gateway.redis import SharedState

logger = logging.getLogger("gateway")

READINESS_TIMEOUT_S = 2.0


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
        async with AsyncExitStack() as running:
            if self.emulators is not None:
                running.push_async_callback(asyncio.to_thread, self.emulators.stop)
            await self.services.aclose()


async def _answers(client: httpx.AsyncClient, url: str) -> bool:
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return False
    return response.status_code < 500


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
    from gateway.redis import UNAVAILABLE, check_persistence

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
    """Connect the shared state, start emulators as needed, build backends and services.

    Whatever was started is closed again, in reverse order, if a later step fails.
    """
    async with AsyncExitStack() as started:
        shared = await connect_shared_state(settings)
        if shared is not None:
            started.push_async_callback(shared.aclose)
        emulators = await asyncio.to_thread(start_needed_emulators, settings)
        if emulators is not None:
            started.push_async_callback(asyncio.to_thread, emulators.stop)
        emulator_urls = {**external_sandbox_urls(settings), **(emulators.urls if emulators else {})}
        for vendor in sandboxed_vendors(settings):
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
        backends: dict[Vendor, Backend] = {}
        for vendor, endpoint in endpoints.items():
            # Writes and their job polls go first, background refreshes last.
            limiter = PriorityGate(
                vendor_limiter(
                    vendor,
                    endpoint.api_key,
                    endpoint.settings.rate_limit_per_s,
                    processes=settings.workers,
                    shared=shared,
                ),
                rate_per_s=endpoint.settings.rate_limit_per_s,
                default_wait_s=settings.vendor_queue_s,
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
            started.push_async_callback(built.aclose)
            backends[vendor] = MeteredBackend(
                built,
                shares,
                rate_per_s=endpoint.settings.rate_limit_per_s,
                queue_wait_s=settings.vendor_queue_s,
                waiting=None
                if observability is None
                else {
                    priority: observability.metrics.vendor_calls_waiting.labels(
                        vendor.value, priority.name.lower()
                    )
                    for priority in VendorCallPriority
                },
            )
        services = build_services(
            backends,
            {
                vendor: VendorStatus(configured=True, sandbox=endpoint.sandbox)
                for vendor, endpoint in endpoints.items()
            },
            poll_schedule=PollSchedule.of(
                settings.jobs.poll_delays, jitter=settings.jobs.poll_jitter
            ),
            job_timeout_s=settings.jobs.timeout_s,
            cache_ttl_s=settings.cache_ttl_s,
            cache_enabled=settings.cache_enabled,
            cache_stale_s=settings.cache_stale_s,
            log_max_entries=entries_within(settings.log_max_entries, settings.log_max_bytes),
            transport_events=relay,
            shared=shared,
            job_lease_ttl_s=settings.jobs.lease_ttl_s,
            idempotency_lease_s=settings.idempotency_lease_s,
        )
        schema = build_schema(settings, observability, shares)
        gateway = Gateway(settings, services, schema, endpoints, emulators, shares)
        # Started: from here the gateway closes all of it (``Gateway.aclose``).
        started.pop_all()
    return gateway


def _both(
    relay: TransportEventRelay, observability: Observability
) -> Callable[[TransportEvent], None]:
    def on_event(event: TransportEvent) -> None:
        relay(event)
        observability.on_transport_event(event)

    return on_event
