"""The bench's results: what was measured, the targets they are held against, and how they are
written (a Markdown table for people, JSON for tools) under ``bench/results/``."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Measurement:
    """One load against one target: throughput and latency percentiles."""

    scenario: str
    target: str
    connections: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    note: str = ""
    cpu_ms_per_request: float | None = None


@dataclass(frozen=True)
class Finding:
    """A measured quantity that is not a req/s + latency pair (calls, KB, seconds)."""

    scenario: str
    name: str
    value: float
    unit: str
    note: str = ""


@dataclass(frozen=True)
class Check:
    """A target the project set itself; ``passed`` is None when it could not be measured."""

    target: str
    measured: str
    passed: bool | None

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "n/a"
        return "pass" if self.passed else "miss"


@dataclass
class Report:
    started_at: datetime
    mode: str
    measurements: list[Measurement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)

    def measurement(self, scenario: str, target: str, connections: int) -> Measurement | None:
        for item in self.measurements:
            if (item.scenario, item.target, item.connections) == (scenario, target, connections):
                return item
        return None

    def finding(self, scenario: str, name: str) -> Finding | None:
        for item in self.findings:
            if (item.scenario, item.name) == (scenario, name):
                return item
        return None


def machine_info() -> dict[str, str]:
    return {
        "load average at start": load_average(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": str(os.cpu_count()),
    }


def load_average() -> str:
    """1-minute load average: other work on the machine skews every number of a run."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    lines = [
        f"# order-gateway benchmark — {report.started_at:%Y-%m-%d %H:%M} UTC ({report.mode})",
        "",
        "Loopback only; load generator, gateway, emulator and peer run as separate processes "
        f"on the same machine ({', '.join(f'{k} {v}' for k, v in report.machine.items())}).",
        "Compare numbers within one run: runs vary by about ±15%.",
        "",
        "## Targets",
        "",
        "| Target | Measured | Result |",
        "|---|---|---|",
    ]
    lines += [f"| {_cell(c.target)} | {_cell(c.measured)} | {c.verdict} |" for c in report.checks]
    lines += [
        "",
        "## Load (wrk)",
        "",
        "| Scenario | Target | Conns | req/s | p50 ms | p99 ms | Errors | CPU ms/req | Note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in report.measurements:
        lines.append(
            f"| {_cell(m.scenario)} | {_cell(m.target)} | {m.connections} "
            f"| {_number(m.requests_per_second)} | {_number(m.p50_ms)} | {_number(m.p99_ms)} "
            f"| {m.errors} "
            f"| {'' if m.cpu_ms_per_request is None else _number(m.cpu_ms_per_request)} "
            f"| {_cell(m.note)} |"
        )
    if report.findings:
        lines += ["", "## Other measurements", "", "| Scenario | What | Value | Note |"]
        lines.append("|---|---|---:|---|")
        for f in report.findings:
            lines.append(
                f"| {_cell(f.scenario)} | {_cell(f.name)} | {_number(f.value)} {f.unit} "
                f"| {_cell(f.note)} |"
            )
    if report.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def to_json(report: Report) -> dict[str, Any]:
    data = asdict(report)
    data["started_at"] = report.started_at.isoformat()
    for check, raw in zip(report.checks, data["checks"], strict=True):
        raw["verdict"] = check.verdict
    return data


def write(report: Report, directory: Path = RESULTS_DIR) -> list[Path]:
    """Write the timestamped Markdown and JSON and refresh ``latest.md``/``latest.json``."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = report.started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    markdown = render_markdown(report)
    data = json.dumps(to_json(report), indent=2) + "\n"
    paths = []
    for name, text in (
        (f"{stamp}.md", markdown),
        (f"{stamp}.json", data),
        ("latest.md", markdown),
        ("latest.json", data),
    ):
        path = directory / name
        path.write_text(text)
        paths.append(path)
    return paths
