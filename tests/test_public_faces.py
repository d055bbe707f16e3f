"""Each package's public face: the names it exports are pinned here (a change to one is a
deliberate change to this list), and no code outside a package reaches past that face into the
package's modules."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PACKAGES = ("adapters", "gateway", "sandbox", "bench")

EXPORTS: dict[str, set[str]] = {
    "adapters.engage": {"EngageBackend", "EngageSettings"},
    "adapters.expertsender": {
        "ACTION_DISCARDED",
        "CAPABILITIES",
        "CONTACT_NOT_RESOLVED",
        "DEFAULT_BASE_URL",
        "ExpertSenderBackend",
        "ExpertSenderSettings",
        "FIELD_NOT_SUPPORTED",
        "STATUS_NOT_SUPPORTED",
    },
    "adapters.transport": {
        "BreakerState",
        "CallObservation",
        "CallObserver",
        "CircuitBreaker",
        "RateLimiter",
        "RetryPolicy",
        "TransportEvent",
        "TransportEventKind",
        "TransportKnobs",
        "TransportSettings",
        "TransportStats",
        "VendorClientSettings",
        "VendorTransport",
        "PriorityGate",
        "VendorCallPriority",
        "current_priority",
        "local_limiter",
        "parse_retry_after",
        "path_segment",
        "response_json",
        "vendor_call_priority",
        "DEFAULT_QUEUE_WAIT_S",
        "Deadline",
        "TurnOrder",
        "current_deadline",
        "no_slot_in_time",
        "queue_deadline",
        "vendor_call_deadline",
        "wait_for_turn",
        "fresh_deadline",
        "vendor_call_patience",
        "SharedPriority",
        "following_priority",
    },
    "gateway.jobs": {
        "AbandonedJobs",
        "JOB_TIMEOUT",
        "JobRecords",
        "JobStore",
        "JobTracker",
        "MemoryJobStore",
        "PollSchedule",
        "PollStats",
        "SaveResult",
        "TrackedJob",
        "TrackerStats",
        "job_topic",
        "save_superseding",
        "supersedes",
    },
    "gateway.log": {
        "CODE_MAX_BYTES",
        "ENTRY_BUDGET_BYTES",
        "JOB_ID_MAX_BYTES",
        "MESSAGE_MAX_BYTES",
        "clip_bytes",
        "clip_details",
        "clip_key",
        "entries_within",
        "DEFAULT_TAIL_BUFFER",
        "Deliver",
        "IntegrationLog",
        "InvalidLogCursor",
        "JobOutcomeRecorder",
        "LogFilter",
        "LogPage",
        "LogStorage",
        "MemoryIntegrationLog",
        "MemoryLogStorage",
        "Position",
        "RecordingLog",
        "TransportEventRelay",
    },
    "gateway.observability": {
        "GatewayMetrics",
        "METRICS_PATH",
        "Observability",
        "configure_logging",
        "metrics_directory",
    },
    "gateway.redis": {
        "UNAVAILABLE",
        "RedisRateBudget",
        "RedisUnreachable",
        "SharedState",
        "budget_key",
        "check_persistence",
        "probe",
    },
    "gateway.schema": {"BAD_REQUEST_CODE", "SCHEMA_DESCRIPTION", "build_schema"},
    "sandbox.engage": {
        "DEFAULT_API_KEY",
        "DEFAULT_JOB_DELAY_MS",
        "DEMO_INDEX",
        "EngageSandboxSettings",
        "create_app",
    },
    "sandbox.expertsender": {
        "DEFAULT_API_KEY",
        "DEMO",
        "ExpertSenderSandboxSettings",
        "create_app",
    },
}


def _package_name(init: Path) -> str:
    return ".".join(init.parent.relative_to(ROOT).parts)


def _faced_packages() -> set[str]:
    """Packages whose ``__init__`` re-exports names: those names are the package's face."""
    faced = set()
    for root in SOURCE_PACKAGES:
        for init in (ROOT / root).rglob("__init__.py"):
            tree = ast.parse(init.read_text(encoding="utf-8"))
            if any(isinstance(node, ast.ImportFrom) for node in tree.body):
                faced.add(_package_name(init))
    return faced


@pytest.mark.parametrize("package", sorted(EXPORTS))
def test_a_package_exports_exactly_its_pinned_names(package: str) -> None:
    module = importlib.import_module(package)
    assert set(module.__all__) == EXPORTS[package]
    assert len(module.__all__) == len(set(module.__all__))
    for name in module.__all__:
        assert hasattr(module, name), f"{package}.__all__ names {name}, which it does not define"


def test_every_package_that_re_exports_names_declares_and_pins_them() -> None:
    assert _faced_packages() == set(EXPORTS)


def test_no_code_reaches_past_a_package_face() -> None:
    faced = _faced_packages()
    past: list[str] = []
    for root in SOURCE_PACKAGES:
        for path in (ROOT / root).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            importer = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    targets = [node.module]
                elif isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                else:
                    continue
                for target in targets:
                    for package in faced:
                        inside = importer == package or importer.startswith(f"{package}.")
                        if target.startswith(f"{package}.") and not inside:
                            past.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {target}")
    assert past == []
