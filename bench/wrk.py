"""Drive the `wrk` load generator and read its report.

wrk is a separate C process, so the load it puts on a server does not share an interpreter with
the server being measured. Only the text of `wrk --latency` is read back: the percentile lines
it prints are what the tables report.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.procs import debian_command

LUA_DIR = Path(__file__).parent / "lua"
GRAPHQL_POST_LUA = LUA_DIR / "graphql_post.lua"
UNIQUE_POST_LUA = LUA_DIR / "unique_post.lua"

_UNIT_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"([0-9.]+)(us|ms|s|m|h)"


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed something we cannot read."""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    percentiles_ms: dict[int, float]
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)

    @property
    def p50_ms(self) -> float:
        return self.percentiles_ms[50]

    @property
    def p99_ms(self) -> float:
        return self.percentiles_ms[99]

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["percentiles_ms"] = {str(k): v for k, v in self.percentiles_ms.items()}
        data["errors"] = self.errors
        return data


def duration_ms(text: str) -> float:
    """`486.00us` → 0.486; wrk picks the unit per value."""
    match = re.fullmatch(_DURATION, text.strip())
    if match is None:
        raise WrkError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNIT_TO_MS[match.group(2)]


def parse_output(text: str) -> WrkResult:
    """Read the report `wrk --latency` prints; raise WrkError if a part we rely on is missing."""
    percentiles: dict[int, float] = {}
    in_distribution = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == "Latency Distribution":
            in_distribution = True
            continue
        if in_distribution:
            match = re.fullmatch(r"(\d+)%\s+" + _DURATION, stripped)
            if match is None:
                in_distribution = False
            else:
                value = float(match.group(2)) * _UNIT_TO_MS[match.group(3)]
                percentiles[int(match.group(1))] = value
    if 50 not in percentiles or 99 not in percentiles:
        raise WrkError("wrk output has no latency distribution (was --latency given?)")

    total = re.search(r"(\d+) requests in " + _DURATION, text)
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if total is None or rate is None:
        raise WrkError("wrk output has no request totals")
    seconds = float(total.group(2)) * _UNIT_TO_MS[total.group(3)] / 1000.0

    socket_errors: dict[str, int] = {}
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if errors is not None:
        names = ("connect", "read", "write", "timeout")
        socket_errors = {n: int(v) for n, v in zip(names, errors.groups(), strict=True)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)

    return WrkResult(
        requests=int(total.group(1)),
        seconds=seconds,
        requests_per_second=float(rate.group(1)),
        percentiles_ms=percentiles,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
    )


def ensure_wrk(*, install: bool = True) -> str:
    """Path of `wrk`, installing the Debian package if we are allowed to and able to."""
    found = debian_command("wrk", "wrk", install=install)
    if found:
        return found
    raise WrkError(
        "the load generator `wrk` is not installed and could not be installed here; "
        "install it with `apt-get install -y wrk` (Debian/Ubuntu) and run the bench again"
    )


@dataclass(frozen=True)
class Load:
    """One wrk run: where, how hard, for how long, and what to send."""

    url: str
    connections: int
    seconds: float
    threads: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)
    script: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 5.0

    def argv(self, wrk: str) -> list[str]:
        threads = max(1, min(self.threads, self.connections))
        argv = [
            wrk,
            f"-t{threads}",
            f"-c{self.connections}",
            f"-d{max(1, round(self.seconds))}s",
            f"--timeout={max(1, round(self.timeout_s))}s",
            "--latency",
        ]
        for name, value in self.headers.items():
            argv += ["-H", f"{name}: {value}"]
        if self.script is not None:
            argv += ["-s", str(self.script)]
        argv.append(self.url)
        return argv


def run(load: Load, *, wrk: str = "wrk") -> WrkResult:
    """Run one load to completion (bounded by its duration plus a margin) and parse it."""
    env = {**os.environ, **load.env}
    try:
        done = subprocess.run(
            load.argv(wrk),
            env=env,
            capture_output=True,
            text=True,
            timeout=load.seconds + load.timeout_s + 30,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WrkError(f"wrk did not finish in time against {load.url}") from exc
    if done.returncode != 0:
        raise WrkError(f"wrk failed ({done.returncode}) against {load.url}: {done.stderr.strip()}")
    try:
        return parse_output(done.stdout)
    except WrkError as exc:
        raise WrkError(f"{exc}; wrk printed:\n{done.stdout}\n{done.stderr}") from exc
