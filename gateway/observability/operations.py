"""Every GraphQL operation seen from outside: a metric sample, a span, and its name in logs.

A Strawberry extension of its own, listed before the gateway's operation guard so that it
sees the result after error masking. A subscription's operation lasts until the stream ends,
which is what the open-subscriptions gauge counts.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLSyntaxError
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from starlette.requests import HTTPConnection
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.context import gateway_context
from gateway.http.negotiation import EVENT_STREAM, names
from gateway.observability import context
from gateway.observability.metrics import GatewayMetrics, error_code_label

# Strawberry's order of preference when a client offers both WebSocket subprotocols.
_WS_PROTOCOLS = ("graphql-transport-ws", "graphql-ws")


def subscription_protocol(request: HTTPConnection | None) -> str:
    if request is None:
        return "unknown"
    scope = request.scope
    if scope.get("type") == "websocket":
        offered = scope.get("subprotocols") or ()
        return next((p for p in _WS_PROTOCOLS if p in offered), "unknown")
    # Over HTTP the stream is SSE whenever the client names it (Strawberry tries it before
    # multipart), else Apollo's multipart subscriptions.
    return "sse" if names(request.headers.get("accept"), EVENT_STREAM) else "multipart"


class OperationSeries:
    """The labelled series an operation's outcome goes to, found once per label set:
    prometheus_client checks and joins the label values on every ``labels()`` call, which cost
    more than the counting. Labels are bounded (operation names, types, outcomes, error codes),
    so is this."""

    def __init__(self, metrics: GatewayMetrics) -> None:
        self.metrics = metrics
        self._outcomes: dict[tuple[str, str, str], Any] = {}
        self._durations: dict[tuple[str, str], Any] = {}
        self._errors: dict[tuple[str, str], Any] = {}

    def outcome(self, label: str, kind: str, outcome: str) -> Any:
        return _series(self._outcomes, self.metrics.operations, (label, kind, outcome))

    def duration(self, label: str, kind: str) -> Any:
        return _series(self._durations, self.metrics.operation_duration, (label, kind))

    def error(self, kind: str, code: str) -> Any:
        return _series(self._errors, self.metrics.errors, (kind, code))


def _series(known: dict[Any, Any], family: Any, key: tuple[str, ...]) -> Any:
    """``family``'s series for the label values ``key``, looked up once and kept in ``known``."""
    found = known.get(key)
    if found is None:
        found = known[key] = family.labels(*key)
    return found


class OperationObserver(SchemaExtension):
    def __init__(
        self,
        metrics: GatewayMetrics,
        tracer: Tracer | None,
        series: OperationSeries | None = None,
    ) -> None:
        super().__init__()
        self._metrics = metrics
        self._series = series or OperationSeries(metrics)
        self._tracer = tracer
        self._subscription_protocol: str | None = None
        self._valid = False  # parsed and validated: the operation ran

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        token = context.operation.set(self._label())
        span: Span | None = None
        if self._tracer is not None:
            span = self._tracer.start_span("graphql operation", kind=SpanKind.INTERNAL)
        try:
            if span is None:
                yield
            else:
                with trace.use_span(span, end_on_exit=False):
                    yield
        finally:
            # A stream closed from elsewhere ends in another context: nothing to restore there.
            with contextlib.suppress(ValueError):
                context.operation.reset(token)
            self._finish(self._label(), span, time.perf_counter() - started)

    def _label(self) -> str:
        # Strawberry names an unnamed request after its document's operation once parsed.
        try:
            name = self.execution_context.operation_name
        except Exception:
            name = None
        label = self._metrics.operation_names.label(name)
        facts = context.request_facts.get()
        if facts is not None:
            facts.operation = label
        return label

    def on_validate(self) -> Iterator[None]:
        yield
        context.operation.set(self._label())
        execution = self.execution_context
        if execution.pre_execution_errors:
            return
        self._valid = True
        try:
            is_subscription = execution.operation_type is OperationType.SUBSCRIPTION
        except Exception:  # no operation by that name: reported by Strawberry itself
            return
        if is_subscription:
            operation_context = gateway_context(execution.context)
            request = operation_context.request if operation_context is not None else None
            self._subscription_protocol = subscription_protocol(request)
            self._metrics.subscriptions_open.labels(self._subscription_protocol).inc()

    def _finish(self, label: str, span: Span | None, elapsed: float) -> None:
        execution = self.execution_context
        if self._subscription_protocol is not None:
            self._metrics.subscriptions_open.labels(self._subscription_protocol).dec()
        try:
            kind = execution.operation_type.value
        except Exception:
            kind = "unknown"
        # Strawberry copies execution errors into pre_execution_errors too: count them once.
        # Strawberry's annotation leaves out graphql-core's incremental results (@defer,
        # @stream), which carry their errors in parts: only a whole result is read here.
        result = execution.result
        whole = result if isinstance(result, GraphQLExecutionResult | ExecutionResult) else None
        result_errors = whole.errors if whole is not None else None
        errors: list[GraphQLError] = list(result_errors or execution.pre_execution_errors or ())
        rejected = not self._valid
        outcome = "rejected" if rejected else ("error" if errors else "ok")
        series = self._series
        series.outcome(label, kind, outcome).inc()
        series.duration(label, kind).observe(elapsed)
        for error in errors:
            code = (error.extensions or {}).get("code")
            if code is None and rejected:
                # ErrorCodes names these after this extension has finished.
                is_syntax = isinstance(error, GraphQLSyntaxError)
                code = "GRAPHQL_PARSE_FAILED" if is_syntax else "GRAPHQL_VALIDATION_FAILED"
            series.error("graphql", error_code_label(code)).inc()
        if kind == "mutation":
            for code in _user_error_codes(whole.data if whole is not None else None):
                series.error("user", error_code_label(code)).inc()
        if span is None:
            return
        span.update_name(f"{kind} {label}")
        span.set_attribute("graphql.operation.type", kind)
        span.set_attribute("graphql.operation.name", label)
        if errors:
            span.set_attribute("graphql.error_count", len(errors))
            span.set_status(Status(StatusCode.ERROR, outcome))
        span.end()


def _user_error_codes(data: object) -> Iterator[object]:
    """The codes of the UserErrors in each root field's payload (``{ errors { code } }``)."""
    if not isinstance(data, dict):
        return
    for payload in data.values():
        errors = payload.get("errors") if isinstance(payload, dict) else None
        if isinstance(errors, list):
            for error in errors:
                if isinstance(error, dict) and "code" in error:
                    yield error["code"]


def operation_observer(
    metrics: GatewayMetrics, tracer: Tracer | None
) -> Callable[[], OperationObserver]:
    """A factory: Strawberry builds one extension per request."""
    series = OperationSeries(metrics)

    def build() -> OperationObserver:
        return OperationObserver(metrics, tracer, series)

    return build
