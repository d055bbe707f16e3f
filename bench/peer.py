"""The peer we measure against: GraphQL Mesh (compose) + Hive Gateway (serve), in Node.

Installed with ``npm ci`` from the committed lock file into ``bench/peer/node_modules``,
composed from the emulator's own ``/openapi.json``, and served as one process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from bench.procs import Service, free_port

PEER_DIR = Path(__file__).parent / "peer"
BIN = PEER_DIR / "node_modules" / ".bin"
# Variables that would make the peer report to The Guild's or Apollo's cloud.
_REPORTING_PREFIXES = ("HIVE_", "APOLLO_", "OPENTELEMETRY", "OTEL_")


class PeerError(RuntimeError):
    """Node/npm missing, the install failed, or composition failed."""


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_REPORTING_PREFIXES)}
    env["NODE_ENV"] = "production"
    env.update(extra)
    return env


def install() -> None:
    """``npm ci`` unless node_modules is already in step with the lock file."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise PeerError("the Mesh peer needs Node.js 20+ and npm (apt-get install -y nodejs npm)")
    lock = PEER_DIR / "package-lock.json"
    marker = PEER_DIR / "node_modules" / ".package-lock.json"
    if (
        (BIN / "hive-gateway").exists()
        and marker.exists()
        and marker.stat().st_mtime >= lock.stat().st_mtime
    ):
        return
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PEER_DIR,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise PeerError(f"npm ci failed in {PEER_DIR}:\n{done.stderr[-4000:]}")


def plain_not_found(document: dict[str, Any]) -> dict[str, Any]:
    """Drop the bodies of non-2xx responses so Mesh keeps plain object fields.

    With a described error body Mesh turns every field into a union (``Order | Error``); a query
    written against the union would measure the union, not the same work as our gateway.
    """
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if not str(status).startswith("2") and isinstance(response, dict):
                    response.pop("content", None)
    return document


def operation_id(document: dict[str, Any], path: str, method: str) -> str:
    """The operationId Mesh turns into the GraphQL field name."""
    try:
        return str(document["paths"][path][method]["operationId"])
    except KeyError as exc:
        raise PeerError(f"the emulator's OpenAPI has no operationId for {method} {path}") from exc


def fetch_openapi(upstream_url: str) -> dict[str, Any]:
    answer = httpx.get(upstream_url + "/openapi.json", timeout=10)
    answer.raise_for_status()
    document: dict[str, Any] = answer.json()
    return document


def compose(
    document: dict[str, Any], upstream_url: str, headers: dict[str, str], *, name: str
) -> Path:
    """Write openapi.json and run mesh-compose; returns the supergraph's path."""
    (PEER_DIR / "openapi.json").write_text(json.dumps(plain_not_found(document), indent=1))
    supergraph = PEER_DIR / "supergraph.graphql"
    env = _clean_env(
        {
            "BENCH_UPSTREAM_URL": upstream_url,
            "BENCH_UPSTREAM_HEADERS": json.dumps(headers),
            "BENCH_SUBGRAPH": name,
        }
    )
    done = subprocess.run(
        [str(BIN / "mesh-compose"), "-o", supergraph.name],
        cwd=PEER_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if done.returncode != 0 or not supergraph.exists():
        raise PeerError(f"mesh-compose failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return supergraph


def service(log_dir: Path, *, forks: int = 1, response_cache_ttl_ms: int = 0) -> Service:
    """Hive Gateway serving the composed supergraph (not started); a response cache TTL turns
    on its response-cache plugin."""
    port = free_port()
    argv = [str(BIN / "hive-gateway"), "supergraph", "--port", str(port), "--host", "127.0.0.1"]
    if forks > 1:
        argv += ["--fork", str(forks)]
    env = _clean_env(
        {"BENCH_PEER_PORT": str(port), "BENCH_RESPONSE_CACHE_TTL_MS": str(response_cache_ttl_ms)}
    )
    return Service(
        name=f"hive-gateway-{forks}p" + ("-cache" if response_cache_ttl_ms else ""),
        argv=argv,
        port=port,
        log_dir=log_dir,
        ready_path="/readiness",
        env=env,
        inherit_env=False,
        cwd=PEER_DIR,
        # A forked Hive Gateway keeps its workers after the first SIGTERM.
        stop_signals=2 if forks > 1 else 1,
    )
