"""The middleware every request passes first: its request id, its trace, its access line.

The request id is the client's ``X-Request-ID`` when that is a plain token, a new one otherwise;
it goes back in the response's ``X-Request-ID`` header (on the WebSocket handshake too) and
onto every log line written while the request runs. A ``traceparent`` header makes the
request's span a child of the caller's trace.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability import context
from gateway.observability.metrics import GatewayMetrics, error_code_label
from gateway.observability.tracing import extract_context

access_logger = logging.getLogger("gateway.access")
_REQUEST_ID = context.REQUEST_ID_HEADER.encode("latin-1")
_CLIENT_NAME_HEADERS = ("apollographql-client-name", "x-client-name")


class RequestObservabilityMiddleware:
    def __init__(
        self, app: ASGIApp, tracer: Tracer | None = None, metrics: GatewayMetrics | None = None
    ) -> None:
        self.app = app
        self.tracer = tracer
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = context.accept_request_id(headers.get(context.REQUEST_ID_HEADER))
        client = next(
            (
                name
                for name in (context.client_name(headers.get(h)) for h in _CLIENT_NAME_HEADERS)
                if name
            ),
            None,
        )
        facts = context.RequestFacts()
        tokens = (
            context.request_id.set(request_id),
            context.client.set(client),
            context.request_facts.set(facts),
        )
        method = scope.get("method", "GET") if scope["type"] == "http" else "WEBSOCKET"
        path = scope.get("path", "")
        status: list[int] = []
        started = time.perf_counter()
        span = None
        attached = None
        if self.tracer is not None:
            span = self.tracer.start_span(
                f"{method} {path}" if path in _KNOWN_PATHS else method,
                context=extract_context(dict(headers.items())),
                kind=SpanKind.SERVER,
                attributes={
                    "http.request.method": method,
                    "url.path": path,
                    "request_id": request_id,
                },
            )
            attached = otel_context.attach(trace.set_span_in_context(span))
        # This frame lasts as long as the request, a WebSocket's whole connection: no copy of
        # the headers stays with it.
        del headers

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message = _with_header(message, _REQUEST_ID, request_id.encode("latin-1"))
                if message["type"] == "http.response.start":
                    status.append(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            code = status[0] if status else None
            if span is not None:
                if code is not None:
                    span.set_attribute("http.response.status_code", code)
                    if code >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                span.end()
            if attached is not None:
                otel_context.detach(attached)
            if facts.refused is not None and self.metrics is not None:
                # Refused before any operation: the operation observer never saw it.
                self.metrics.errors.labels("graphql", error_code_label(facts.refused)).inc()
            if scope["type"] == "http":
                _access_line(scope, method, path, code, time.perf_counter() - started, facts)
            context.request_id.reset(tokens[0])
            context.client.reset(tokens[1])
            context.request_facts.reset(tokens[2])


_KNOWN_PATHS = frozenset({"/graphql", "/metrics", "/healthz", "/readyz"})


def _with_header(message: Message, name: bytes, value: bytes) -> Message:
    existing: list[Any] = list(message.get("headers") or [])
    existing.append((name, value))
    return {**message, "headers": existing}


def _access_line(
    scope: Scope,
    method: str,
    path: str,
    status: int | None,
    elapsed: float,
    facts: context.RequestFacts,
) -> None:
    if not access_logger.isEnabledFor(logging.INFO):
        return
    version = scope.get("http_version", "1.1")
    # The path only: a query string can carry a GraphQL document and its variables.
    access_logger.info(
        '"%s %s HTTP/%s" %s',
        method,
        path,
        version,
        status if status is not None else "-",
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 3),
            # The operation is known inside the request only; the line is written after it.
            "operation_name": facts.operation,
        },
    )
