"""Spans of one query and one write, taken by the SDK's in-memory exporter: the client's
trace continues through the gateway to the vendor, and no span names the API key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.model import Vendor
from gateway.emulators import sandbox_api_key
from gateway.observability import Observability
from gateway.observability.tracing import otlp_tracer_provider, tracing_requested
from tests.gateway.e2e.orders_support import data, order_input, requests, wait_for_job
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.servers import serve

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CLIENT_SPAN_ID}-01"
READ = 'query ReadOrder { order(vendor: ENGAGE, orderId: "ENG-1002") { orderId } }'
WRITE = """
mutation WriteIt($input: WriteOrderInput!) {
  writeOrder(input: $input) { job { id state } errors { code } }
}"""


@pytest.fixture(scope="module")
def traced() -> Iterator[tuple[GatewayHandle, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with sandbox_gateway(observability=Observability(tracer_provider=provider)) as gw:
        yield gw, exporter


def hex_id(value: int, width: int) -> str:
    return format(value, f"0{width}x")


def trace_of(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [
        s
        for s in exporter.get_finished_spans()
        if s.context is not None and hex_id(s.context.trace_id, 32) == trace_id
    ]


def finished_trace(
    exporter: InMemorySpanExporter, trace_id: str, last: str, timeout_s: float = 30.0
) -> list[ReadableSpan]:
    """The trace once its span ``last`` has ended (the server span ends after the answer)."""
    deadline = time.monotonic() + timeout_s
    while not any(s.name == last for s in trace_of(exporter, trace_id)):
        assert time.monotonic() < deadline, f"no finished span {last!r}"
        time.sleep(0.02)
    return trace_of(exporter, trace_id)


def parent_id(span: ReadableSpan) -> str | None:
    return None if span.parent is None else hex_id(span.parent.span_id, 16)


def span_id(span: ReadableSpan) -> str:
    assert span.context is not None
    return hex_id(span.context.span_id, 16)


def only(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    named = [s for s in spans if s.name == name]
    assert len(named) == 1, [s.name for s in spans]
    return named[0]


def assert_no_secret(spans: list[ReadableSpan]) -> None:
    secret = sandbox_api_key(Vendor.ENGAGE)
    for span in spans:
        for value in (span.attributes or {}).values():
            assert secret not in str(value)


def test_a_query_continues_the_clients_trace_down_to_the_vendor(
    traced: tuple[GatewayHandle, InMemorySpanExporter],
) -> None:
    gw, exporter = traced
    result = gw.post(READ, headers={"traceparent": TRACEPARENT})
    assert data(result)["order"]["orderId"] == "ENG-1002"

    spans = finished_trace(exporter, TRACE_ID, "POST /graphql")
    server = only(spans, "POST /graphql")
    operation = only(spans, "query ReadOrder")
    vendor = only(spans, "ENGAGE GET /api/v3/orders/{order_id}")
    assert server.kind is SpanKind.SERVER
    assert parent_id(server) == CLIENT_SPAN_ID
    assert parent_id(operation) == span_id(server)
    assert parent_id(vendor) == span_id(operation)
    assert vendor.kind is SpanKind.CLIENT
    assert vendor.attributes is not None
    assert vendor.attributes["url.template"] == "/api/v3/orders/{order_id}"
    assert vendor.attributes["http.response.status_code"] == 200
    assert vendor.attributes["retry_count"] == 0
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.type"] == "query"
    assert_no_secret(spans)
    # The vendor was told which span called it.
    log = requests(gw, Vendor.ENGAGE)["log"]
    sent = [e.get("traceparent") for e in log if e["path"] == "/api/v3/orders/ENG-1002"]
    assert f"00-{TRACE_ID}-{span_id(vendor)}-01" in sent


def test_a_write_and_its_job_polls_form_one_trace(
    traced: tuple[GatewayHandle, InMemorySpanExporter],
) -> None:
    gw, exporter = traced
    order = order_input(Vendor.ENGAGE, f"TRACE-{time.monotonic_ns()}")
    write_trace = "0af7651916cd43dd8448eb211c80319c"
    result = gw.post(
        WRITE,
        {"input": {"vendor": "ENGAGE", "mode": "ADD", "order": order}},
        headers={"traceparent": f"00-{write_trace}-b7ad6b7169203331-01"},
    )
    job = data(result)["writeOrder"]["job"]
    assert wait_for_job(gw, job["id"])["state"] == "COMPLETED"

    finished_trace(exporter, write_trace, "job poll ENGAGE")
    spans = finished_trace(exporter, write_trace, "POST /graphql")
    server = only(spans, "POST /graphql")
    mutation = only(spans, "mutation WriteIt")
    create = only(spans, "ENGAGE POST /api/v3/orders")
    polls = [s for s in spans if s.name == "job poll ENGAGE"]
    assert parent_id(mutation) == span_id(server)
    assert parent_id(create) == span_id(mutation)
    assert create.attributes is not None
    assert create.attributes["http.response.status_code"] in (201, 202, 302)
    for poll in polls:
        assert parent_id(poll) == span_id(mutation)
        assert poll.attributes is not None
        assert poll.attributes["url.template"] == "/api/v3/orders/jobs/{job_id}"
    assert_no_secret(spans)


def test_without_an_endpoint_tracing_is_off_and_nothing_is_sent(
    traced: tuple[GatewayHandle, InMemorySpanExporter],
) -> None:
    with sandbox_gateway() as gw:
        assert data(gw.post(READ, headers={"traceparent": TRACEPARENT}))["order"]
        log = requests(gw, Vendor.ENGAGE)["log"]
    assert all("traceparent" not in entry for entry in log)


class Collector:
    """A loopback OTLP/HTTP trace receiver: keeps every span it is sent."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self.resources: list[dict[str, str]] = []

        async def receive(request: Request) -> Response:
            export = ExportTraceServiceRequest()
            export.ParseFromString(await request.body())
            for resource_spans in export.resource_spans:
                self.resources.append(
                    {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                )
                for scope_spans in resource_spans.scope_spans:
                    self.spans.extend(scope_spans.spans)
            return Response(
                ExportTraceServiceResponse().SerializeToString(),
                media_type="application/x-protobuf",
            )

        self.app = Starlette(routes=[Route("/v1/traces", receive, methods=["POST"])])


def test_otel_variables_send_spans_to_an_otlp_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    collector = Collector()
    with serve(collector.app) as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "gateway-under-test")
        with sandbox_gateway() as gw:
            answer = gw.post(READ, headers={"traceparent": TRACEPARENT})
            assert data(answer)["order"]["orderId"] == "ENG-1002"
        # The gateway's shutdown sent what was still batched.
    names = {span.name for span in collector.spans if span.trace_id.hex() == TRACE_ID}
    assert {"POST /graphql", "query ReadOrder", "ENGAGE GET /api/v3/orders/{order_id}"} <= names
    assert {"service.name": "gateway-under-test"}.items() <= collector.resources[0].items()


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "  "}, False),
    ],
)
def test_tracing_is_on_only_with_an_endpoint(environ: dict[str, str], on: bool) -> None:
    assert tracing_requested(environ) is on


def test_the_service_is_named_order_gateway_unless_the_environment_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    provider = otlp_tracer_provider()
    try:
        assert provider.resource.attributes["service.name"] == "order-gateway"
    finally:
        provider.shutdown()


@pytest.mark.parametrize(
    "traceparent",
    [
        "garbage",
        "00-" + "0" * 32 + "-" + "0" * 16 + "-01",
        "ff-" + "a" * 32 + "-" + "b" * 16 + "-01x",
    ],
)
def test_a_malformed_traceparent_starts_a_new_trace(
    traced: tuple[GatewayHandle, InMemorySpanExporter], traceparent: str
) -> None:
    gw, exporter = traced
    exporter.clear()
    answer = gw.client.post(
        gw.graphql_url, json={"query": READ}, headers={"traceparent": traceparent}
    )
    assert answer.status_code == 200
    assert data(answer.json())["order"]["orderId"] == "ENG-1002"
    deadline = time.monotonic() + 30
    while not (servers := [s for s in exporter.get_finished_spans() if s.name == "POST /graphql"]):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert servers[0].parent is None
