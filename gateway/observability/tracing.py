"""OpenTelemetry tracing, configured by the standard ``OTEL_*`` variables.

Off unless an OTLP endpoint is set (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) and ``OTEL_SDK_DISABLED`` is not ``true``; the exporter,
sampler and resource read the rest of their ``OTEL_*`` variables themselves. Spans are sent
over OTLP/HTTP in batches from a background thread.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SERVICE_NAME = "order-gateway"
INSTRUMENTATION = "order_gateway"
_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# W3C trace context only: a client's baggage is not forwarded to the vendors.
PROPAGATOR = TraceContextTextMapPropagator()


def tracing_requested(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(env.get(name, "").strip() for name in _ENDPOINT_VARIABLES)


def otlp_tracer_provider() -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # The attributes given here win over OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, so the
    # default name is given only when neither names the service.
    named = os.environ.get("OTEL_SERVICE_NAME", "").strip() or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    resource = Resource.create({} if named else {"service.name": SERVICE_NAME})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def tracer_from(provider: TracerProvider | None) -> Tracer | None:
    return None if provider is None else provider.get_tracer(INSTRUMENTATION)


def extract_context(headers: Mapping[str, str]) -> Context:
    """The caller's trace context from its ``traceparent`` header (a fresh trace without one)."""
    return PROPAGATOR.extract(headers)


def inject_context(headers: MutableMapping[str, str]) -> None:
    """Put the current span's ``traceparent`` into outgoing ``headers``."""
    PROPAGATOR.inject(headers)


def current_trace_ids() -> tuple[str, str] | None:
    """The (trace id, span id) of the current span as hex, for log lines."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
