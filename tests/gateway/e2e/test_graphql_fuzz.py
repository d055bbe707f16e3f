"""Property-based operations against ``/graphql``: whatever a client sends, the gateway never
answers a 5xx, an ``INTERNAL`` error, or a ``BAD_VENDOR_RESPONSE`` its own input caused.

Operations are drawn from the committed schema (``hypothesis-graphql``), custom scalars included,
and sent over real HTTP to a sandbox gateway. ``GRAPHQL_FUZZ_EXAMPLES`` bounds each run (CI keeps
the default small).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from tests.support.gateway import GatewayHandle, sandbox_gateway

SCHEMA = (Path(__file__).resolve().parents[3] / "schema.graphql").read_text()
EXAMPLES = int(os.environ.get("GRAPHQL_FUZZ_EXAMPLES", "60"))
FORBIDDEN = {"INTERNAL", "BAD_VENDOR_RESPONSE"}


def _iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
DATETIMES = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), timezones=st.just(UTC)),
    st.datetimes(timezones=OFFSETS),
    st.text(max_size=30),
).map(lambda value: graphql.StringValueNode(value=_iso(value)))
JSON_VALUES = st.one_of(
    st.integers(min_value=-(2**31), max_value=2**31 - 1).map(
        lambda n: graphql.IntValueNode(value=str(n))
    ),
    st.text(max_size=20).map(lambda s: graphql.StringValueNode(value=s)),
    st.booleans().map(lambda b: graphql.BooleanValueNode(value=b)),
)
OPERATIONS = from_schema(
    SCHEMA, custom_scalars={"DateTime": DATETIMES, "JSON": JSON_VALUES}, allow_x00=False
)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def _codes(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (code, message) the answer carries: GraphQL errors and payload UserErrors."""
    found = [
        (str((error.get("extensions") or {}).get("code")), str(error.get("message")))
        for error in body.get("errors") or ()
    ]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "code" in node and "message" in node:
                found.append((str(node["code"]), str(node["message"])))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body.get("data"))
    return found


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operation=OPERATIONS)
def test_no_operation_ends_in_an_internal_or_vendor_reading_error(
    gw: GatewayHandle, operation: str
) -> None:
    response = gw.client.post(
        gw.graphql_url,
        json={"query": operation},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert response.status_code < 500, (operation, response.text)
    bad = [(code, message) for code, message in _codes(response.json()) if code in FORBIDDEN]
    assert bad == [], (operation, bad)


WRITE_THEN_READ = """
mutation($input: WriteOrderInput!) {
  writeOrder(input: $input) { job { id state } errors { code message } }
}
"""
READ_BACK = """
query($v: Vendor!, $id: String!) {
  order(vendor: $v, orderId: $id) {
    orderId createdAt lastChangedAt total currency
    lines { sku name quantity unitPrice totalPrice description }
  }
}
"""
JOB_STATE = "query($id: ID!) { job(id: $id) { state errors { code message } } }"
FINAL = {"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"}
IDS = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")
# Mostly dates the vendors store, now and then one far outside.
WRITE_DATES = st.one_of(
    st.datetimes(min_value=datetime(1700, 1, 1), timezones=OFFSETS),
    st.datetimes(max_value=datetime(1760, 1, 1), timezones=OFFSETS),
    st.datetimes(min_value=datetime(9999, 12, 1), timezones=OFFSETS),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=OFFSETS),
).map(_iso)
PRICES = st.floats(min_value=0, max_value=1e9, allow_nan=False, width=32)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
# A blank SKU is refused before any vendor call (test_bad_input's cheap checks); drawn as often
# as the text strategy draws "", it made most writes refusals, and the guard below failed on an
# unlucky draw (as few as 16 of 60 writes accepted, where 15 are needed).
SKUS = TEXT.filter(lambda s: s.strip() != "")
ORDERS = st.fixed_dictionaries(
    {
        "orderId": IDS,
        "createdAt": WRITE_DATES,
        "currency": st.sampled_from(["SEK", "EUR"]),
        "total": PRICES,
        "contact": st.fixed_dictionaries({"email": st.sampled_from(["anna.berg@example.com"])}),
        "lines": st.lists(
            st.fixed_dictionaries(
                {
                    "sku": SKUS,
                    "name": TEXT,
                    "quantity": st.integers(min_value=1, max_value=2**31 - 1),
                    "unitPrice": PRICES,
                    "totalPrice": PRICES,
                }
            ),
            min_size=1,
            max_size=2,
        ),
    }
)


accepted: list[bool] = []


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(vendor=st.sampled_from(["ENGAGE", "EXPERTSENDER"]), order=ORDERS)
def test_whatever_a_write_holds_reads_back_without_a_vendor_reading_error(
    gw: GatewayHandle, vendor: str, order: dict[str, Any]
) -> None:
    variables = {"input": {"vendor": vendor, "mode": "ADD_OR_REPLACE", "order": order}}
    written = gw.post(WRITE_THEN_READ, variables)
    job = ((written.get("data") or {}).get("writeOrder") or {}).get("job")
    answers = [written]
    if job is not None:
        # Engage stores the order when its job runs: read back once the job is over.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            polled = gw.post(JOB_STATE, {"id": job["id"]})
            answers.append(polled)
            if (polled.get("data") or {}).get("job", {}).get("state") in FINAL:
                break
            time.sleep(0.02)
    answers.append(gw.post(READ_BACK, {"v": vendor, "id": order["orderId"]}))
    accepted.append(job is not None)
    for answer in answers:
        bad = [(code, message) for code, message in _codes(answer) if code in FORBIDDEN]
        assert bad == [], (vendor, order, bad)


def test_the_write_fuzz_wrote_orders() -> None:
    """Guards the property above against only ever being refused by validation."""
    if not accepted:
        pytest.skip("the write fuzz did not run in this process")
    assert sum(accepted) >= len(accepted) // 4, f"{sum(accepted)} of {len(accepted)} accepted"
