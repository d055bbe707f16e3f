"""``schema.graphql`` is generated from the code and committed; it must not drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.cli import schema_sdl

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "schema.graphql"
REGENERATE = "order-gateway export-schema --output schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == schema_sdl(), f"schema.graphql is out of date: run `{REGENERATE}`"


def test_committed_schema_keeps_the_public_contract() -> None:
    sdl = SCHEMA_FILE.read_text(encoding="utf-8")
    for declaration in (
        "enum Vendor {",
        "enum WriteMode {",
        "interface Node {",
        "type Order implements Node {",
        "type Contact implements Node {",
        "type Job implements Node {",
        "type IntegrationLogEntry implements Node {",
        "type Query {",
        "type Mutation {",
        "type Subscription {",
        "type OrderMutationPayload {",
    ):
        assert declaration in sdl


def test_check_flag_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "schema.graphql"
    stale.write_text(schema_sdl().replace("type Query {", "type Query {\n  removed: Int"))
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export-schema", "--check", str(stale)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 1
    assert "out of date" in result.stderr


def test_check_flag_passes_on_a_fresh_file(tmp_path: Path) -> None:
    fresh = tmp_path / "schema.graphql"
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export-schema", "--output", str(fresh)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    check = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export-schema", "--check", str(fresh)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert check.returncode == 0, check.stderr
    assert fresh.read_text(encoding="utf-8") == schema_sdl()
