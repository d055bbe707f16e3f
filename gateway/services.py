"""Everything a request needs that outlives the request: backends, cache, log, jobs, keys.

Built once per process by the app's lifespan (``build_services``) and handed to every request
through the context.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from adapters.backend import Backend
from adapters.errors import ClientError, VendorError
from adapters.model import Job, LogSeverity, Vendor
from gateway.auth.audit import AuditedLog
from gateway.cache import ReadCache
from gateway.defaults import (
    DEFAULT_CACHE_MAXSIZE,
    DEFAULT_CACHE_TTL_S,
    DEFAULT_IDEMPOTENCY_LEASE_S,
    DEFAULT_JOB_TIMEOUT_S,
    DEFAULT_LOG_MAX_ENTRIES,
)
from gateway.errors import VendorNotConfigured
from gateway.idempotency import IdempotencyStore, MemoryIdempotencyStore, MutationOutcome
from gateway.log import (
    IntegrationLog,
    JobOutcomeRecorder,
    MemoryIntegrationLog,
    TransportEventRelay,
)
from gateway.vendor_reads import refresh_stale_entries

if TYPE_CHECKING:
    from gateway.redis import SharedState

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VendorStatus:
    configured: bool
    sandbox: bool


class JobRegistry(Protocol):
    """What the schema needs of ``gateway.jobs.JobTracker``."""

    async def track(self, job: Job) -> Job: ...

    async def get(self, vendor: Vendor, job_id: str) -> Job | None: ...

    def watch(self, vendor: Vendor, job_id: str) -> AsyncGenerator[Job, None]: ...

    async def aclose(self) -> None: ...


@dataclass(eq=False)
class Services:
    backends: Mapping[Vendor, Backend]
    vendor_info: Mapping[Vendor, VendorStatus]
    cache: ReadCache
    log: IntegrationLog
    jobs: JobRegistry
    idempotency: IdempotencyStore[MutationOutcome]
    outcomes: JobOutcomeRecorder
    # Set when several gateway processes share their state through Redis.
    shared: SharedState | None = None

    def check_state(self) -> None:
        """Raise ``StateStoreUnavailable`` if the shared state store is known to be down, so
        a write is refused before it reaches the vendor rather than left unrecorded after."""
        if self.shared is not None:
            self.shared.check_available()

    def backend(self, vendor: Vendor) -> Backend:
        backend = self.backends.get(vendor)
        if backend is None:
            raise VendorNotConfigured(f"{vendor.value} is not configured", vendor=vendor)
        return backend

    def record_vendor_error(
        self,
        exc: VendorError,
        what: str,
        *,
        vendor: Vendor,
        order_id: str | None = None,
        contact_id: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        """A vendor refusal (``ClientError``: WARNING) or failure (ERROR) in the log."""
        severity = LogSeverity.WARNING if isinstance(exc, ClientError) else LogSeverity.ERROR
        data: dict[str, object] = dict(details or {})
        if exc.upstream_status is not None:
            data["upstreamStatus"] = exc.upstream_status
        if exc.vendor_messages:
            data["vendorMessages"] = list(exc.vendor_messages)
        self.log.record(
            severity,
            exc.code,
            f"{what}: {exc.message}",
            vendor=vendor,
            order_id=order_id,
            contact_id=contact_id,
            details=data,
        )

    async def on_job_change(self, job: Job) -> None:
        """Every change of a tracked job: its warnings, errors and outcome reach the
        integration log; once it is final, what it changed is no longer cached (reads while it
        runs may see the order before or after the change, and are cached like any read)."""
        if job.state.is_final:
            self.cache.forget_write(job)
        self.outcomes.record(job)

    async def end_streams(self) -> None:
        """Complete every job watcher and live log tail (open subscriptions end cleanly)."""
        await self.jobs.aclose()
        await self.log.aclose()

    async def aclose(self) -> None:
        """Stops the job pollers and live log tails, then closes the backends and the shared
        state connection."""
        await self.end_streams()
        await self.cache.aclose()
        for backend in self.backends.values():
            try:
                await backend.aclose()
            except Exception:  # one failing close must not keep the others open
                logger.exception("closing the %s backend failed", backend.vendor)
        if self.shared is not None:
            await self.shared.aclose()


JobTrackerFactory = Callable[[Callable[[Job], Awaitable[None]]], JobRegistry]


def build_services(
    backends: Mapping[Vendor, Backend],
    vendor_info: Mapping[Vendor, VendorStatus],
    *,
    poll_schedule: object | None = None,
    job_timeout_s: float = DEFAULT_JOB_TIMEOUT_S,
    cache_ttl_s: float = DEFAULT_CACHE_TTL_S,
    cache_maxsize: int = DEFAULT_CACHE_MAXSIZE,
    cache_enabled: bool = True,
    cache_stale_s: float = 0.0,
    log_max_entries: int = DEFAULT_LOG_MAX_ENTRIES,
    idempotency_ttl_s: float = 24 * 3600,
    idempotency_maxsize: int = 10_000,
    idempotency_lease_s: float = DEFAULT_IDEMPOTENCY_LEASE_S,
    job_tracker_factory: JobTrackerFactory | None = None,
    transport_events: TransportEventRelay | None = None,
    shared: SharedState | None = None,
    job_lease_ttl_s: float | None = None,
) -> Services:
    """Wire the process-wide services.

    ``poll_schedule`` is a ``gateway.jobs.PollSchedule`` (default: its own default);
    ``job_tracker_factory`` replaces the ``JobTracker`` (it receives the ``on_change`` callback);
    ``transport_events`` is the relay the backends were given as ``on_event``: it starts writing
    retries, rate limits and exhausted retries into the integration log; ``shared`` puts the
    job registry, job fan-out, idempotency keys, integration log and cache invalidations in
    Redis (``job_lease_ttl_s``: how long a poller's claim on a job lasts there unrenewed;
    ``idempotency_lease_s``: how long a dead process's hold on an idempotency key lasts).
    """
    cache: ReadCache
    log: IntegrationLog
    idempotency: IdempotencyStore[MutationOutcome]
    if shared is None:
        cache = ReadCache(
            maxsize=cache_maxsize, ttl_s=cache_ttl_s, enabled=cache_enabled, stale_s=cache_stale_s
        )
        log = MemoryIntegrationLog(log_max_entries)
        idempotency = MemoryIdempotencyStore(ttl_s=idempotency_ttl_s, maxsize=idempotency_maxsize)
    else:
        cache = shared.read_cache(
            maxsize=cache_maxsize, ttl_s=cache_ttl_s, enabled=cache_enabled, stale_s=cache_stale_s
        )
        log = shared.integration_log(max_entries=log_max_entries)
        idempotency = shared.idempotency_store(ttl_s=idempotency_ttl_s, lease_s=idempotency_lease_s)
    log = AuditedLog(log)
    if transport_events is not None:
        transport_events.attach(log)
    outcomes = JobOutcomeRecorder(log)
    holder: list[Services] = []

    async def on_change(job: Job) -> None:
        await holder[0].on_job_change(job)

    async def on_poll_error(job: Job, error: Exception) -> None:
        outcomes.poll_failed(job, error)

    if job_tracker_factory is None:
        job_tracker_factory = _default_tracker_factory(
            backends, poll_schedule, job_timeout_s, on_poll_error, shared, job_lease_ttl_s
        )
    services = Services(
        backends=backends,
        vendor_info=vendor_info,
        cache=cache,
        log=log,
        jobs=job_tracker_factory(on_change),
        idempotency=idempotency,
        outcomes=outcomes,
        shared=shared,
    )
    holder.append(services)
    refresh_stale_entries(services)
    return services


def _default_tracker_factory(
    backends: Mapping[Vendor, Backend],
    poll_schedule: object | None,
    timeout_s: float,
    on_error: Callable[[Job, Exception], Awaitable[None]],
    shared: SharedState | None = None,
    lease_ttl_s: float | None = None,
) -> JobTrackerFactory:
    from gateway.jobs import JobTracker, PollSchedule

    schedule = poll_schedule if isinstance(poll_schedule, PollSchedule) else PollSchedule()

    def factory(on_change: Callable[[Job], Awaitable[None]]) -> JobRegistry:
        store = shared.job_store() if shared is not None else None
        tracker: JobRegistry = JobTracker(
            backends,
            schedule=schedule,
            timeout_s=timeout_s,
            on_change=on_change,
            on_error=on_error,
            store=store,
            abandoned=store,
            fanout=shared.job_fanout() if shared is not None else None,
            lease_ttl_s=lease_ttl_s,
        )
        return tracker

    return factory
