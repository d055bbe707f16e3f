"""What a transport reports about itself: events for the integration log, counters for metrics."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from adapters.model import Vendor


class TransportEventKind(StrEnum):
    RETRY = "RETRY"  # an attempt failed in a retryable way; another follows after delay_s
    RATE_LIMITED = "RATE_LIMITED"  # the vendor answered 429
    GAVE_UP = "GAVE_UP"  # the request failed for good; error_code says how
    BREAKER_OPENED = "BREAKER_OPENED"
    BREAKER_HALF_OPEN = "BREAKER_HALF_OPEN"
    BREAKER_CLOSED = "BREAKER_CLOSED"
    FAILED_FAST = "FAILED_FAST"  # refused locally because the breaker is open


@dataclass(frozen=True, slots=True)
class TransportEvent:
    """One thing worth logging. ``path`` never carries the host or the query string."""

    kind: TransportEventKind
    vendor: Vendor
    method: str | None = None
    path: str | None = None
    attempt: int | None = None
    upstream_status: int | None = None
    delay_s: float | None = None
    error_code: str | None = None
    detail: str | None = None


@dataclass(slots=True)
class TransportStats:
    """Running counters of one transport (monotonic; read them, do not write them)."""

    requests: int = 0
    attempts: int = 0
    retries: int = 0
    rate_limited: int = 0
    gave_up: int = 0
    failed_fast: int = 0
    breaker_opened: int = 0
    outcome_unknown: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
