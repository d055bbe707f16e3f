"""The per-key sliding window, on a clock the test controls."""

from __future__ import annotations

from sandbox.engage.ratelimit import SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_allows_the_rate_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(3, clock)
    assert [limiter.acquire("k") for _ in range(3)] == [None, None, None]
    clock.now += 0.4
    assert limiter.acquire("k") == 1
    clock.now += 0.61  # the first three are now older than one second
    assert limiter.acquire("k") is None


def test_keys_are_limited_separately() -> None:
    limiter = SlidingWindowLimiter(1, Clock())
    assert limiter.acquire("a") is None
    assert limiter.acquire("b") is None
    assert limiter.acquire("a") == 1


def test_refused_requests_do_not_use_up_the_window() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(2, clock)
    limiter.acquire("k")
    limiter.acquire("k")
    for _ in range(50):
        assert limiter.acquire("k") is not None
    clock.now += 1.01
    assert limiter.acquire("k") is None
    assert limiter.acquire("k") is None


def test_rate_can_change_while_running() -> None:
    limiter = SlidingWindowLimiter(1, Clock())
    limiter.acquire("k")
    assert limiter.acquire("k") is not None
    limiter.per_second = 5
    assert limiter.acquire("k") is None
