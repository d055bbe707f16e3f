"""Node.js tools the tests drive (``tests/node/package.json``), installed on first use."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
INSTALL_TIMEOUT_S = 300


def node_tools() -> Path:
    """The directory holding ``node_modules``; runs ``npm ci`` there if it is missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("node and npm are needed: run `make system-deps` (Debian nodejs, npm)")
    marker = NODE_DIR / "node_modules" / ".package-lock.json"
    lock = NODE_DIR / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            check=True,
            timeout=INSTALL_TIMEOUT_S,
        )
    return NODE_DIR
