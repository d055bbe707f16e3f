"""Vendor calls seen from outside: a metric sample and a span per call, the limiter's waits,
and the transport's events (retries, 429s, breaker changes) as metrics.

``VendorCallObserver`` is the ``adapters.transport.CallObserver`` of every transport. A span
carries the route template, method, final status and retry count; never the host, the query
string or a header, so never the API key. Each attempt carries the span's ``traceparent``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from contextvars import Token

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from adapters.model import Vendor
from adapters.transport import (
    BreakerState,
    CallObservation,
    RateLimiter,
    TransportEvent,
    TransportEventKind,
)
from gateway.observability import context
from gateway.observability.metrics import GatewayMetrics, error_code_label, status_class
from gateway.observability.routes import JOB_ROUTES, RouteTemplates
from gateway.observability.tracing import inject_context

_BREAKER_STATES = {
    TransportEventKind.BREAKER_OPENED: BreakerState.OPEN,
    TransportEventKind.BREAKER_HALF_OPEN: BreakerState.HALF_OPEN,
    TransportEventKind.BREAKER_CLOSED: BreakerState.CLOSED,
}


class _Call:
    __slots__ = (
        "_observer",
        "_span",
        "_started",
        "_token",
        "attempts",
        "job_poll",
        "method",
        "route",
        "vendor",
    )

    def __init__(
        self, observer: VendorCallObserver, vendor: Vendor, method: str, route: str
    ) -> None:
        self._observer = observer
        self.vendor = vendor
        self.method = method
        self.route = route
        self.job_poll = method == "GET" and route in JOB_ROUTES
        self.attempts = 0
        self._started = time.perf_counter()
        self._token: Token[str | None] = context.vendor.set(vendor.value)
        tracer = observer.tracer
        self._span: Span | None = None
        if tracer is not None:
            name = (
                f"job poll {vendor.value}" if self.job_poll else f"{vendor.value} {method} {route}"
            )
            self._span = tracer.start_span(
                name,
                kind=SpanKind.CLIENT,
                attributes={
                    "vendor": vendor.value,
                    "http.request.method": method,
                    "url.template": route,
                },
            )

    def attempt_headers(self, attempt: int) -> Mapping[str, str] | None:
        self.attempts = attempt
        if self._span is None:
            return None
        headers: dict[str, str] = {}
        with trace.use_span(self._span, end_on_exit=False):
            inject_context(headers)
        return headers

    def finish(self, *, status: int | None, error_code: str | None) -> None:
        with contextlib.suppress(ValueError):  # finished from another context: nothing to undo
            context.vendor.reset(self._token)
        elapsed = time.perf_counter() - self._started
        metrics = self._observer.metrics
        vendor = self.vendor.value
        retried = "true" if self.attempts > 1 else "false"
        outcome = "ok" if error_code is None else error_code_label(error_code)
        metrics.vendor_requests.labels(
            vendor, self.method, self.route, status_class(status), retried, outcome
        ).inc()
        metrics.vendor_request_duration.labels(vendor, self.method, self.route).observe(elapsed)
        if self.job_poll:
            metrics.job_polls.labels(vendor, outcome).inc()
        span = self._span
        if span is None:
            return
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        span.set_attribute("retry_count", max(0, self.attempts - 1))
        if error_code is not None:
            span.set_attribute("error.type", outcome)
            span.set_status(Status(StatusCode.ERROR, outcome))
        span.end()


class VendorCallObserver:
    def __init__(
        self,
        metrics: GatewayMetrics,
        tracer: Tracer | None = None,
        routes: RouteTemplates | None = None,
    ) -> None:
        self.metrics = metrics
        self.tracer = tracer
        self.routes = routes or RouteTemplates()

    def call(self, vendor: Vendor, method: str, path: str) -> CallObservation:
        return _Call(self, vendor, method, self.routes.template(vendor, path))

    def vendor_ready(self, vendor: Vendor) -> None:
        """A transport for ``vendor`` exists: its breaker starts closed."""
        self._breaker(vendor, BreakerState.CLOSED)

    def on_transport_event(self, event: TransportEvent) -> None:
        vendor = event.vendor.value
        if event.kind is TransportEventKind.RETRY:
            self.metrics.vendor_retries.labels(vendor, error_code_label(event.error_code)).inc()
        elif event.kind is TransportEventKind.RATE_LIMITED:
            self.metrics.vendor_rate_limited.labels(vendor).inc()
        elif event.kind in _BREAKER_STATES:
            state = _BREAKER_STATES[event.kind]
            self.metrics.breaker_transitions.labels(vendor, state.value).inc()
            self._breaker(event.vendor, state)

    def _breaker(self, vendor: Vendor, current: BreakerState) -> None:
        for state in BreakerState:
            self.metrics.breaker_state.labels(vendor.value, state.value).set(
                1 if state is current else 0
            )


class TimedLimiter:
    """A ``RateLimiter`` that reports how long each call waited for the one it wraps."""

    def __init__(self, inner: RateLimiter, metrics: GatewayMetrics, vendor: Vendor) -> None:
        self._inner = inner
        self._histogram = metrics.rate_limiter_wait.labels(vendor.value)

    async def acquire(self) -> None:
        started = time.perf_counter()
        await self._inner.acquire()
        self._histogram.observe(time.perf_counter() - started)
