"""Property-based operations against ``/graphql``: whatever a client sends, the gateway never
answers a 5xx, an ``INTERNAL`` error, or a ``BAD_VENDOR_RESPONSE`` its own input caused.

Operations are drawn from the committed schema (``hypothesis-graphql``), custom scalars included,
and sent over real HTTP to a sandbox gateway. ``GRAPHQL_FUZZ_EXAMPLES`` bounds each run (CI keeps
the default small).
"""

from __future__ import annotations

import os
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


def _iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


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
