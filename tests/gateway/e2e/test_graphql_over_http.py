"""The GraphQL over HTTP spec's own server audit (npm ``graphql-http``) against the gateway."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.node import node_tools


@pytest.fixture(scope="module")
def audit_results() -> Iterator[list[dict[str, Any]]]:
    tools = node_tools()
    with sandbox_gateway() as gw:
        yield _audit(tools, gw)


def _audit(tools: Any, gw: GatewayHandle) -> list[dict[str, Any]]:
    completed = subprocess.run(
        ["node", str(tools / "audit.mjs"), gw.graphql_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]


def test_the_audit_ran_its_checks(audit_results: list[dict[str, Any]]) -> None:
    assert len(audit_results) >= 40
    assert {r["status"] for r in audit_results} <= {"ok", "warn", "error"}


def test_no_must_requirement_fails(audit_results: list[dict[str, Any]]) -> None:
    failures = [r for r in audit_results if r["status"] == "error"]
    assert failures == []


def test_no_should_requirement_warns(audit_results: list[dict[str, Any]]) -> None:
    warnings = [r for r in audit_results if r["status"] == "warn"]
    assert warnings == []
