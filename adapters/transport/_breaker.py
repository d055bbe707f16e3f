"""A circuit breaker for one vendor.

Small and local on purpose: ``purgatory`` (the asyncio breaker we looked at) only sees
exceptions raised inside its context and keeps state behind a unit-of-work/message-bus layer,
while our failures are mostly *answers* (a 503 is a response, a 429 must not count) and we
want exactly one probe in the half-open state. Every transition is reported to a callback so
the integration log sees it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


class CircuitBreaker:
    """Closed → open after ``failure_threshold`` consecutive failures → after ``reset_s`` one
    probe is let through (half-open) → closed if it succeeds, open again if it fails."""

    def __init__(
        self,
        failure_threshold: int,
        reset_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        self._threshold = failure_threshold
        self._reset_s = reset_s
        self._clock = clock
        self._on_change = on_change
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def allow(self) -> bool:
        """Whether an attempt may go out now; in half-open only the single probe may."""
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN:
            if self._clock() - self._opened_at < self._reset_s:
                return False
            self._move(BreakerState.HALF_OPEN)
        if self._probe_in_flight:
            return False
        self._probe_in_flight = True
        return True

    def record_success(self) -> None:
        """The vendor answered (any status that is not its own failure)."""
        self._failures = 0
        self._probe_in_flight = False
        if self._state is not BreakerState.CLOSED:
            self._move(BreakerState.CLOSED)

    def record_failure(self) -> None:
        """A 5xx, a timeout or a connection failure."""
        self._failures += 1
        self._probe_in_flight = False
        if self._state is BreakerState.HALF_OPEN or (
            self._state is BreakerState.CLOSED and self._failures >= self._threshold
        ):
            self._opened_at = self._clock()
            self._move(BreakerState.OPEN)

    def record_neutral(self) -> None:
        """An attempt that says nothing about the vendor's health (429, cancellation): frees
        the half-open probe slot without changing the state."""
        self._probe_in_flight = False

    def _move(self, state: BreakerState) -> None:
        self._state = state
        if self._on_change is not None:
            self._on_change(state)
