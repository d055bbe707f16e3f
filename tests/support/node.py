"""Node.js tools the tests drive (``tests/node/package.json``), installed on first use."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
INSTALL_TIMEOUT_S = 300


def node_tools(directory: Path = NODE_DIR) -> Path:
    """``directory`` (a ``package.json`` with its lock) once ``npm ci`` has installed it."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed: run `make system-deps` (Debian nodejs, npm)")
    marker = directory / "node_modules" / ".package-lock.json"
    lock = directory / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=directory,
            check=True,
            timeout=INSTALL_TIMEOUT_S,
        )
    return directory
