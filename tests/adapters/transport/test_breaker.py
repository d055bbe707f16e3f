"""CircuitBreaker state machine with a controlled clock."""

from __future__ import annotations

from adapters.transport import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def state_of(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state


def test_opens_after_consecutive_failures_only() -> None:
    clock = Clock()
    breaker = CircuitBreaker(3, 10, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # a success in between resets the count
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()
    breaker.record_failure()
    assert state_of(breaker) is BreakerState.OPEN
    assert not breaker.allow()


def test_half_open_lets_exactly_one_probe_through_after_reset() -> None:
    clock = Clock()
    changes: list[BreakerState] = []
    breaker = CircuitBreaker(1, 10, clock=clock, on_change=changes.append)
    breaker.record_failure()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.2
    assert breaker.allow()
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()  # the probe is still out
    breaker.record_success()
    assert state_of(breaker) is BreakerState.CLOSED
    assert breaker.allow() and breaker.allow()
    assert changes == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]


def test_failed_probe_reopens_and_restarts_the_wait() -> None:
    clock = Clock()
    breaker = CircuitBreaker(2, 5, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 5
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 4
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()


def test_neutral_outcome_frees_the_probe_without_closing() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 1, clock=clock)
    breaker.record_failure()
    clock.now += 1
    assert breaker.allow()
    breaker.record_neutral()
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allow()
