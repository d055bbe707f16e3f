"""Build tools frontends run against the schema: relay-compiler and GraphQL Code Generator.

They read the schema as frontends fetch it: introspected from a running gateway.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from graphql import build_client_schema, get_introspection_query, print_schema

from tests.support.gateway import sandbox_gateway
from tests.support.node import node_tools

TOOL_TIMEOUT_S = 180


def exported_sdl(directory: Path) -> Path:
    with sandbox_gateway() as gw:
        introspection = gw.post(get_introspection_query(descriptions=True))
    assert "errors" not in introspection, introspection
    path = directory / "schema.graphql"
    path.write_text(print_schema(build_client_schema(introspection["data"])), encoding="utf-8")
    return path


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False
    )


def test_relay_compiler_accepts_queries_fragments_and_connections_both_ways(
    tmp_path: Path,
) -> None:
    tools = node_tools()
    project = tmp_path / "relay"
    shutil.copytree(tools / "relay", project)
    exported_sdl(project)
    generated = project / "src" / "__generated__"
    generated.mkdir()
    result = run([str(tools / "node_modules" / ".bin" / "relay-compiler")], project)
    assert result.returncode == 0, result.stdout + result.stderr
    artifacts = {path.name for path in generated.iterdir()}
    assert {
        "ContactOrdersQuery.graphql.ts",
        "ContactOrdersForwardPaginationQuery.graphql.ts",
        "ContactOrdersBackwardPaginationQuery.graphql.ts",
        "ContactOrdersWriteMutation.graphql.ts",
        "ContactOrdersProgressSubscription.graphql.ts",
    } <= artifacts


def test_codegen_typescript_operations_pass_tsc_strict(tmp_path: Path) -> None:
    tools = node_tools()
    schema = exported_sdl(tmp_path)
    generated = tmp_path / "generated.ts"
    result = run(
        ["node", str(tools / "typed-operations" / "generate.mjs"), str(schema), str(generated)],
        tools,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "export type FastThenSlowQuery" in generated.read_text(encoding="utf-8")
    shutil.copy(tools / "typed-operations" / "usage.ts", tmp_path / "usage.ts")
    tsc = [
        str(tools / "node_modules" / ".bin" / "tsc"),
        "--strict",
        "--noEmit",
        "--target",
        "es2022",
        "--module",
        "esnext",
        "--moduleResolution",
        "bundler",
        str(generated),
        str(tmp_path / "usage.ts"),
    ]
    checked = run(tsc, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
