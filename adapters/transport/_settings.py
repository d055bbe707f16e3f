"""What a transport is configured with, and how hard it may retry one request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from adapters.defaults import DEFAULT_RATE_PER_SECOND, DEFAULT_TIMEOUT_S
from adapters.model import Vendor


class RetryPolicy(StrEnum):
    """How a request may be retried.

    ``SAFE``: reads and idempotent writes; resending cannot change the outcome.
    ``NEVER_BLIND``: creates and other non-idempotent writes; resent only when the vendor
    provably never ran the handler, otherwise ``WriteOutcomeUnknown`` so the caller can read
    whether the write landed before deciding to send it again.
    """

    SAFE = "SAFE"
    NEVER_BLIND = "NEVER_BLIND"


@dataclass(frozen=True, kw_only=True)
class TransportKnobs:
    """How patient and how fast one vendor's transport is: shared by ``TransportSettings`` and
    by every vendor adapter's settings (keyword-only, after each one's own fields)."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    max_attempts: int = 4
    backoff_base_s: float = 0.2
    backoff_max_s: float = 5.0
    rate_per_second: float = DEFAULT_RATE_PER_SECOND
    breaker_failure_threshold: int = 5
    breaker_reset_s: float = 10.0
    max_connections: int = 50
    # A Retry-After longer than this is not waited out inside one call: the caller gets
    # ``RateLimited`` carrying the vendor's figure instead of a request hanging for minutes.
    retry_after_max_s: float = 30.0

    def transport_knobs(self) -> dict[str, Any]:
        """The knobs as keyword arguments, for ``TransportSettings``."""
        return {knob.name: getattr(self, knob.name) for knob in fields(TransportKnobs)}

    def _check_knobs(self) -> None:
        positive = (
            "timeout_s",
            "max_attempts",
            "rate_per_second",
            "breaker_failure_threshold",
            "max_connections",
        )
        not_negative = ("backoff_base_s", "backoff_max_s", "breaker_reset_s", "retry_after_max_s")
        knobs = self.transport_knobs()
        problems = [name for name in positive if knobs[name] <= 0]
        problems += [name for name in not_negative if knobs[name] < 0]
        if problems:
            raise ValueError(f"invalid transport settings: {', '.join(problems)} out of range")


@dataclass(frozen=True)
class TransportSettings(TransportKnobs):
    base_url: str
    # Credentials live here; they are never logged nor put into an exception or event.
    headers: Mapping[str, str] = field(repr=False)
    vendor: Vendor

    def __post_init__(self) -> None:
        self._check_knobs()
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("invalid transport settings: base_url must be http(s)")


@dataclass(frozen=True)
class VendorClientSettings(TransportKnobs):
    """What every vendor adapter is configured with: where the vendor is, the API key, and the
    knobs of its transport (each vendor's settings extend this with their own)."""

    base_url: str
    api_key: str = field(repr=False)
