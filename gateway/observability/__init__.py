"""How the gateway is seen from outside: Prometheus metrics, OpenTelemetry traces, JSON logs.

One ``Observability`` per app wires them in: the request middleware (request id, server span,
access line), a schema extension (operation metrics and spans), the vendor-call observer and
rate-limiter timing of every transport, service metrics, and the ``/metrics`` route.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.extensions import SchemaExtension

from adapters.model import Vendor
from adapters.transport import RateLimiter, TransportEvent
from gateway.observability.logs import configure_logging
from gateway.observability.metrics import GatewayMetrics
from gateway.observability.middleware import RequestObservabilityMiddleware
from gateway.observability.operations import operation_observer
from gateway.observability.services import CacheSampler, observe_services
from gateway.observability.tracing import otlp_tracer_provider, tracer_from, tracing_requested
from gateway.observability.vendor_calls import TimedLimiter, VendorCallObserver
from gateway.observability.workers import metrics_directory, process_ended
from gateway.services import Services

METRICS_PATH = "/metrics"


@dataclass(eq=False)
class Observability:
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    # None: tracing is off (no span is made, no traceparent is sent).
    tracer_provider: TracerProvider | None = None
    # Whether the provider was made here, and so is shut down (its last spans sent) here.
    owns_tracer_provider: bool = False
    _sampler: CacheSampler | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tracer: Tracer | None = tracer_from(self.tracer_provider)
        self.vendor_calls = VendorCallObserver(self.metrics, self.tracer)

    @classmethod
    def from_environment(cls) -> Observability:
        provider = otlp_tracer_provider() if tracing_requested() else None
        return cls(GatewayMetrics(), provider, owns_tracer_provider=provider is not None)

    def middleware(self) -> Middleware:
        return Middleware(RequestObservabilityMiddleware, tracer=self.tracer, metrics=self.metrics)

    def schema_extension(self) -> Callable[[], SchemaExtension]:
        return operation_observer(self.metrics, self.tracer)

    def on_transport_event(self, event: TransportEvent) -> None:
        self.vendor_calls.on_transport_event(event)

    def timed_limiter(self, inner: RateLimiter, vendor: Vendor) -> RateLimiter:
        self.vendor_calls.vendor_ready(vendor)
        return TimedLimiter(inner, self.metrics, vendor)

    def observe(self, services: Services) -> None:
        """Start the service metrics of a running gateway."""
        self._sampler = observe_services(services, self.metrics)
        self._sampler.start()

    async def aclose(self) -> None:
        if self._sampler is not None:
            await self._sampler.aclose()
            self._sampler = None
        if self.tracer_provider is not None:
            if self.owns_tracer_provider:
                # Sends what is still batched, then stops the exporter's thread.
                await asyncio.to_thread(self.tracer_provider.shutdown)
            else:
                await asyncio.to_thread(self.tracer_provider.force_flush)
        process_ended()

    def metrics_route(self) -> Route:
        async def scrape(request: Request) -> Response:
            if self._sampler is not None:
                self._sampler.sync()
            body, content_type = self.metrics.exposition()
            return Response(body, media_type=content_type)

        return Route(METRICS_PATH, scrape, methods=["GET"])


__all__ = [
    "METRICS_PATH",
    "GatewayMetrics",
    "Observability",
    "configure_logging",
    "metrics_directory",
]
