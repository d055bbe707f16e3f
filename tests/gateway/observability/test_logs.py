"""JSON log lines: they parse, carry the request id the client got back, and never show an
e-mail address, a phone number or a credential."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from gateway.observability import context
from gateway.observability.logs import (
    MASK,
    RedactingJsonFormatter,
    RedactingTextFormatter,
    Redactor,
    RequestContextFilter,
)
from tests.gateway.test_cli import CLEAN_STOP, COMMAND, RUNNING, clean_env, free_port, running

# A shopper's address (not a reserved demo domain), which the failed look-up's path carries.
SHOPPER = "kund.nummer.ett@handlare.se"
CONTACT = f'query Who {{ contact(vendor: EXPERTSENDER, email: "{SHOPPER}") {{ contactId }} }}'


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("gateway.test", logging.WARNING, __file__, 1, message, args, None)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("lookup of anna.berg@shop.se failed", "lookup of"),
        ("GET /customers/email/anna.berg%40shop.se failed", "GET /customers/email/"),
        ("call +46 70-123 45 67 now", "call"),
        ("Authorization: Bearer eyJhbGciOi.abc.def", "Authorization: Bearer"),
        ("key sk-live-123456 leaked", "leaked"),
    ],
)
def test_personal_data_and_secrets_are_masked(text: str, kept: str) -> None:
    masked = Redactor(["sk-live-123456"])(text)
    assert MASK in masked
    assert kept in masked
    for secret in ("anna.berg", "70-123", "eyJhbGciOi", "sk-live-123456"):
        assert secret not in masked


def test_ids_dates_amounts_and_reserved_demo_addresses_are_kept() -> None:
    text = (
        "order ENG-1001 of 2026-11-23T10:15:00+01:00 total 598.00, job 12345678, "
        "demo contact anna.berg@example.com"
    )
    assert Redactor()(text) == text


def test_a_json_line_names_the_request_operation_vendor_and_trace() -> None:
    formatter = RedactingJsonFormatter(Redactor())
    tracer = TracerProvider().get_tracer("test")
    tokens = [
        (context.request_id, context.request_id.set("req-12345678")),
        (context.operation, context.operation.set("Who")),
        (context.vendor, context.vendor.set("EXPERTSENDER")),
    ]
    try:
        with tracer.start_as_current_span("work") as span:
            line = record("contact %s not found", "maria.nilsson@gmail.com")
            RequestContextFilter().filter(line)
            decoded: dict[str, Any] = json.loads(formatter.format(line))
            trace_id = format(span.get_span_context().trace_id, "032x")
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)
    assert decoded["request_id"] == "req-12345678"
    assert decoded["operation"] == "Who"
    assert decoded["vendor"] == "EXPERTSENDER"
    assert decoded["trace_id"] == trace_id
    assert decoded["level"] == "WARNING"
    assert decoded["message"] == f"contact {MASK} not found"
    assert decoded["time"]


def test_served_json_lines_carry_the_request_id_the_client_received() -> None:
    expertsender_port = free_port()
    env = clean_env(GATEWAY_LOG_FORMAT="json", SANDBOX_EXPERTSENDER_PORT=str(expertsender_port))
    with running([COMMAND, "serve", "--port", "0"], env) as command:
        url = command.wait_for(RUNNING).group(1)
        faults = f"http://127.0.0.1:{expertsender_port}/_sandbox/faults"
        # A failing vendor makes the gateway log the failed look-up, whose path names the
        # contact's e-mail address.
        httpx.put(faults, json={"error_rate": 1.0}).raise_for_status()
        answer = httpx.post(
            f"{url}/graphql",
            json={"query": CONTACT},
            headers={"apollographql-client-name": "web-shop"},
            timeout=30,
        )
        assert answer.json()["errors"]
        request_id = answer.headers["x-request-id"]
        assert command.stop() in CLEAN_STOP

    lines = [json.loads(line) for line in command.lines if line.strip()]
    ours = [line for line in lines if line.get("request_id") == request_id]
    access = [line for line in ours if line["logger"] == "gateway.access"]
    assert len(access) == 1
    assert access[0]["status"] == 200
    assert access[0]["path"] == "/graphql"
    assert access[0]["operation_name"] == "Who"
    assert access[0]["client"] == "web-shop"
    vendor_lines = [line for line in ours if line.get("vendor") == "EXPERTSENDER"]
    assert vendor_lines, ours
    assert all(line["operation"] == "Who" for line in vendor_lines)
    assert SHOPPER not in command.output
    assert any(MASK in line["message"] for line in vendor_lines)
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id", "trace_id"} <= set(line)


def test_a_text_line_written_in_a_request_ends_with_its_id() -> None:
    formatter = RedactingTextFormatter(Redactor())
    token = context.request_id.set("req-87654321")
    try:
        line = record("reading %s failed", "ENG-1001")
        RequestContextFilter().filter(line)
    finally:
        context.request_id.reset(token)
    assert formatter.format(line) == (
        "WARNING  gateway.test: reading ENG-1001 failed [request req-87654321]"
    )
    outside = record("started")
    RequestContextFilter().filter(outside)
    assert formatter.format(outside) == "WARNING  gateway.test: started"
