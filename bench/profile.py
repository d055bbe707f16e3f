"""Sample the gateway under load with py-spy and say where the time goes.

py-spy attaches from outside (no change to the gateway, little overhead with --nonblocking) and
writes collapsed stacks: ``frame;frame;frame COUNT`` with frames like ``name (path:line)``.
We fold them three ways: time spent in a function itself, time under a function, and time per
package (gateway, adapters, strawberry, graphql-core, uvicorn, httpx, ...).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PY_SPY = Path(sys.executable).parent / "py-spy"
_FRAME = re.compile(r"^(?P<name>.*?) \((?P<path>.*?)(?::(?P<line>\d+))?\)$")
_PROJECT_DIRS = ("gateway", "adapters", "sandbox", "bench")
# Where a request's time goes, tried in this order against every frame of a sample: upstream
# HTTP first (resolvers call it from inside execution), then the GraphQL engine's phases.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("upstream HTTP client (httpx/httpcore/anyio)", ("httpx/", "httpcore/", "anyio/")),
    ("GraphQL validation", ("graphql/validation/",)),
    ("GraphQL parsing", ("graphql/language/parser.py", "graphql/language/lexer.py")),
    ("GraphQL execution and resolvers", ("graphql/execution/",)),
    ("Strawberry request handling", ("strawberry/",)),
    ("HTTP server (uvicorn/starlette)", ("uvicorn/", "starlette/")),
)
# Frames present in nearly every sample (event loop, server start-up) say nothing. The share
# alone does not catch them all: under uvloop some samples start at a coroutine's own frame.
_SCAFFOLD_SHARE = 0.85
_SCAFFOLD_PATHS = (
    "<frozen runpy>",
    "click/",
    "uvicorn/main.py",
    "uvicorn/__main__.py",
    "uvicorn/server.py",
    "uvicorn/_compat.py",
    "asyncio/runners.py",
    "asyncio/base_events.py",
)


class ProfileError(RuntimeError):
    """py-spy is missing or could not sample the process."""


@dataclass(frozen=True)
class ProfileSummary:
    samples: int
    self_top: list[tuple[str, int]]
    inclusive_top: list[tuple[str, int]]
    by_package: list[tuple[str, int]]
    by_stage: list[tuple[str, int]]

    def share(self, count: int) -> float:
        return 100.0 * count / self.samples if self.samples else 0.0


def ensure_py_spy() -> Path:
    """py-spy from the ``bench`` extra, installed into this environment if it is missing."""
    if not PY_SPY.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "py-spy>=0.3"],
            capture_output=True,
            timeout=300,
            check=False,
        )
    if not PY_SPY.exists():
        raise ProfileError(
            "py-spy is not installed and pip could not install it: pip install -e '.[bench]'"
        )
    return PY_SPY


def record(pid: int, seconds: float, out: Path, *, rate: int = 200) -> Path:
    """Sample ``pid`` for ``seconds`` into a collapsed-stack file."""
    ensure_py_spy()
    argv = [str(PY_SPY), "record", "-p", str(pid), "-d", str(max(1, round(seconds)))]
    argv += ["-r", str(rate), "-f", "raw", "-o", str(out), "--nonblocking"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0 or not out.exists():
        raise ProfileError(f"py-spy failed: {done.stderr.strip()[-1000:]}")
    return out


def _function(frame: str) -> str:
    """``name (path:line)`` → ``name (short/path.py)``: one entry per function, not per line."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    return f"{match.group('name')} ({_short_path(match.group('path'))})"


def _short_path(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    for directory in _PROJECT_DIRS:
        marker = f"/{directory}/"
        if marker in path:
            return directory + "/" + path.split(marker, 1)[1]
    if "/lib/python" in path:
        return "stdlib/" + path.split("/lib/python", 1)[1].split("/", 1)[-1]
    return path


def package_of(frame: str) -> str:
    """The package a frame's code belongs to (first directory of its short path)."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return "other"
    short = _short_path(match.group("path"))
    if short.startswith("stdlib/"):
        rest = short.removeprefix("stdlib/")
        return "stdlib:" + (rest.split("/", 1)[0] if "/" in rest else rest.removesuffix(".py"))
    head = short.split("/", 1)[0]
    return head.removesuffix(".py") if head else "other"


def summarize(raw: str, *, top: int = 15) -> ProfileSummary:
    self_counts: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if f]
        if not frames:
            continue
        samples += count
        self_counts[_function(frames[-1])] += count
        packages[package_of(frames[-1])] += count
        functions = {_function(f) for f in frames}
        for name in functions:
            inclusive[name] += count
        stages[_stage(functions)] += count
    informative = [
        (name, count)
        for name, count in inclusive.most_common()
        if count < _SCAFFOLD_SHARE * samples and not any(p in name for p in _SCAFFOLD_PATHS)
    ]
    return ProfileSummary(
        samples=samples,
        self_top=self_counts.most_common(top),
        inclusive_top=informative[:top],
        by_package=packages.most_common(top),
        by_stage=stages.most_common(),
    )


def _stage(functions: set[str]) -> str:
    for stage, markers in STAGES:
        if any(marker in name for name in functions for marker in markers):
            return stage
    return "other (event loop, JSON, gateway code outside the above)"


def render(summary: ProfileSummary, *, title: str) -> str:
    lines = [title, f"{summary.samples} samples (time on CPU, idle waits excluded)", ""]
    for heading, rows in (
        ("Where the time goes (first match per sample)", summary.by_stage),
        ("Time in the function itself (self)", summary.self_top),
        (
            "Time in code below the function (inclusive, scaffolding left out)",
            summary.inclusive_top,
        ),
        ("Self time by package", summary.by_package),
    ):
        lines += [heading, "-" * len(heading)]
        lines += [f"{summary.share(count):5.1f}%  {name}" for name, count in rows]
        lines.append("")
    return "\n".join(lines)
