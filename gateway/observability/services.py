"""Metrics of the gateway's own services, taken without changing them: jobs through the
outcome recorder every job change passes, idempotent replays through a wrapper of the key
store, and read-cache hits from the cache's own counters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from cachetools import LRUCache

from adapters.model import Job
from gateway.idempotency import IdempotencyStore, Resume
from gateway.log import JobOutcomeRecorder
from gateway.observability.metrics import GatewayMetrics
from gateway.services import Services

T = TypeVar("T")
# Read-cache counters reach Prometheus at least this often; a scrape of this process also
# brings them up to date at once.
CACHE_SYNC_S = 5.0


class ObservedOutcomes(JobOutcomeRecorder):
    """Counts each job once per state it is seen in, and its time to a final state."""

    def __init__(
        self, services: Services, metrics: GatewayMetrics, *, memory: int = 50_000
    ) -> None:
        super().__init__(services.log, memory=memory)
        self._metrics = metrics
        self._states_seen: LRUCache[tuple[object, ...], bool] = LRUCache(maxsize=memory)

    def record(self, job: Job) -> None:
        key = (job.vendor, job.job_id, job.state)
        if key not in self._states_seen:
            self._states_seen[key] = True
            labels = (job.vendor.value, job.operation.value, job.state.value)
            self._metrics.jobs.labels(*labels).inc()
            if job.state.is_final:
                finished = job.finished_at or job.updated_at
                elapsed = (finished - job.created_at).total_seconds()
                self._metrics.job_duration.labels(*labels).observe(max(0.0, elapsed))
        super().record(job)


class ObservedIdempotency(IdempotencyStore[T]):
    """Tells a replayed outcome from an executed (or resumed) one: a replay runs neither the
    operation nor its resumption."""

    def __init__(self, inner: IdempotencyStore[T], metrics: GatewayMetrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def run(
        self,
        key: str,
        fingerprint: str,
        operation: Callable[[], Awaitable[T]],
        *,
        resume: Resume[T] | None = None,
    ) -> T:
        ran: list[str] = []

        async def executed() -> T:
            ran.append("executed")
            return await operation()

        async def resumed(note: str | None) -> T:
            ran.append("resumed")
            assert resume is not None
            return await resume(note)

        outcome = await self._inner.run(
            key, fingerprint, executed, resume=None if resume is None else resumed
        )
        self._metrics.idempotent_writes.labels(ran[0] if ran else "replayed").inc()
        return outcome


class CacheSampler:
    """Moves the read cache's hit and miss counts into the Prometheus counters."""

    def __init__(self, services: Services, metrics: GatewayMetrics) -> None:
        self._services = services
        self._metrics = metrics
        self._hits = 0
        self._misses = 0
        self._task: asyncio.Task[None] | None = None

    def sync(self) -> None:
        stats = self._services.cache.stats()
        if stats.hits > self._hits:
            self._metrics.cache_requests.labels("hit").inc(stats.hits - self._hits)
        if stats.misses > self._misses:
            self._metrics.cache_requests.labels("miss").inc(stats.misses - self._misses)
        self._hits, self._misses = stats.hits, stats.misses

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="cache-metrics")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(CACHE_SYNC_S)
            self.sync()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def observe_services(services: Services, metrics: GatewayMetrics) -> CacheSampler:
    services.outcomes = ObservedOutcomes(services, metrics)
    services.idempotency = ObservedIdempotency(services.idempotency, metrics)
    return CacheSampler(services, metrics)
