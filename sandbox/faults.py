"""Fault injection shared by the vendor emulators.

A fault is drawn once per vendor request from a seeded random sequence, so a test that sets a
seed sees the same faults in the same order on every run. The rates are exclusive slices of one
draw, which makes each rate exact over many requests and lets them never sum above 1.
"""

from __future__ import annotations

import enum
import math
import random
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

RATE_FIELDS = (
    "drop_rate",
    "error_rate",
    "rate_limit_rate",
    "drop_after_commit_rate",
    "garble_rate",
)
MAX_LATENCY_MS = 60_000
MAX_RETRY_AFTER_S = 3_600


class FaultSettingsError(ValueError):
    """Fault settings that cannot be applied; `messages` names every bad field."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class FaultSettings:
    """Which faults an emulator injects, and how often.

    `error_rate` answers 503, `rate_limit_rate` 429 with `Retry-After: retry_after_s`,
    `drop_rate` closes the connection before the request is handled, and
    `drop_after_commit_rate` handles the request (a write lands) and then closes the connection
    without an answer. `garble_rate` handles the request and answers its status with a body
    that is not JSON. `latency_ms` delays every vendor request. `methods` limits the faults
    to requests of these HTTP methods (e.g. only the writes), empty meaning every request.
    """

    latency_ms: int = 0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    drop_rate: float = 0.0
    drop_after_commit_rate: float = 0.0
    garble_rate: float = 0.0
    seed: int = 1
    retry_after_s: int = 1
    methods: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise FaultSettingsError(problems)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "methods": list(self.methods)}

    def merged(self, changes: object) -> FaultSettings:
        """A copy with the fields in `changes` (a JSON object) replaced; others kept."""
        if not isinstance(changes, dict):
            raise FaultSettingsError(["body: must be a JSON object"])
        known = {f.name: f.type for f in fields(self)}
        problems: list[str] = []
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                problems.append(f"{name}: unknown setting")
            elif name == "methods":
                if not isinstance(value, list) or not all(
                    isinstance(method, str) and method.isalpha() for method in value
                ):
                    problems.append(f"{name}: must be a list of HTTP methods")
                else:
                    values[name] = tuple(method.upper() for method in value)
            elif name in RATE_FIELDS:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    problems.append(f"{name}: must be a number")
                else:
                    values[name] = float(value)
            elif isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{name}: must be an integer")
            else:
                values[name] = value
        if problems:
            raise FaultSettingsError(problems)
        return replace(self, **values)


def _problems(settings: FaultSettings) -> list[str]:
    problems: list[str] = []
    for name in RATE_FIELDS:
        rate = getattr(settings, name)
        if not (isinstance(rate, int | float) and math.isfinite(rate) and 0.0 <= rate <= 1.0):
            problems.append(f"{name}: must be between 0 and 1")
    if not problems and sum(getattr(settings, name) for name in RATE_FIELDS) > 1.0 + 1e-9:
        problems.append(
            "rates: drop, error, rate-limit, drop-after-commit and garble must sum to at most 1"
        )
    if not 0 <= settings.latency_ms <= MAX_LATENCY_MS:
        problems.append(f"latency_ms: must be between 0 and {MAX_LATENCY_MS}")
    if not 0 <= settings.retry_after_s <= MAX_RETRY_AFTER_S:
        problems.append(f"retry_after_s: must be between 0 and {MAX_RETRY_AFTER_S}")
    return problems


class Fault(enum.Enum):
    NONE = "none"
    DROP = "drop"
    ERROR = "error"
    RATE_LIMIT = "rate_limit"
    DROP_AFTER_COMMIT = "drop_after_commit"
    GARBLE = "garble"


class FaultInjector:
    """Draws the fault for each request from the current settings."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._settings = settings or FaultSettings()
        self._random = random.Random(self._settings.seed)

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, settings: FaultSettings) -> None:
        """Apply new settings and restart the random sequence from their seed."""
        self._settings = settings
        self._random = random.Random(settings.seed)

    def draw(self, method: str | None = None) -> Fault:
        s = self._settings
        # Skipping the draw when nothing is configured keeps the sequence aligned with the
        # requests made after faults are switched on.
        if not any(getattr(s, name) for name in RATE_FIELDS):
            return Fault.NONE
        if s.methods and method not in s.methods:
            return Fault.NONE
        point = self._random.random()
        for fault, rate in (
            (Fault.DROP, s.drop_rate),
            (Fault.ERROR, s.error_rate),
            (Fault.RATE_LIMIT, s.rate_limit_rate),
            (Fault.DROP_AFTER_COMMIT, s.drop_after_commit_rate),
            (Fault.GARBLE, s.garble_rate),
        ):
            if point < rate:
                return fault
            point -= rate
        return Fault.NONE
