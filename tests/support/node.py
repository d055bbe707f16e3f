"""Node.js tools the tests drive (``tests/node/package.json``), installed on first use."""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
INSTALL_TIMEOUT_S = 300
CASE_TIMEOUT_S = 60


def node_tools(directory: Path = NODE_DIR) -> Path:
    """``directory`` (a ``package.json`` with its lock) once ``npm ci`` has installed it."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed: run `make system-deps` (Debian nodejs, npm)")
    # pytest-xdist workers reach this at the same time on a fresh clone: one installs while
    # the others wait, since two `npm ci` runs delete each other's node_modules.
    with _install_lock(directory):
        if _install_outdated(directory):
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=directory,
                check=True,
                timeout=INSTALL_TIMEOUT_S,
            )
    return directory


def _install_outdated(directory: Path) -> bool:
    marker = directory / "node_modules" / ".package-lock.json"
    lock = directory / "package-lock.json"
    return not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime


@contextmanager
def _install_lock(directory: Path) -> Iterator[None]:
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"order-gateway-npm-{digest}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_client_case(case: str, graphql_url: str, **arguments: Any) -> dict[str, Any]:
    """Run one case of ``tests/node/clients/run.mjs`` (a real npm client against the gateway)
    and return the JSON line it printed."""
    tools = node_tools()
    completed = subprocess.run(
        ["node", str(tools / "clients" / "run.mjs"), case, graphql_url, json.dumps(arguments)],
        capture_output=True,
        text=True,
        timeout=CASE_TIMEOUT_S,
        check=True,
        cwd=tools,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise AssertionError(f"{case} printed no result: {completed.stdout}{completed.stderr}")
    decoded: dict[str, Any] = json.loads(lines[-1])
    return decoded
