import random

import pytest

from gateway.defaults import DEFAULT_POLL_DELAYS
from gateway.jobs import PollSchedule


def test_default_schedule_backs_off_then_holds_the_last_delay() -> None:
    schedule = PollSchedule()
    delays = [schedule.delay(n) for n in range(9)]
    assert delays[: len(DEFAULT_POLL_DELAYS)] == list(DEFAULT_POLL_DELAYS)
    assert delays[len(DEFAULT_POLL_DELAYS) :] == [DEFAULT_POLL_DELAYS[-1]] * 3
    assert delays == sorted(delays)
    assert schedule.steady_delay == 5.0


def test_parse_reads_comma_separated_seconds() -> None:
    assert PollSchedule.parse(" 0.05, 0.5 ,2").delays == (0.05, 0.5, 2.0)


@pytest.mark.parametrize("text", ["", "fast", "0.1,-1", "0,1", "nan", "0.1,inf"])
def test_bad_schedules_are_refused_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match="comma-separated positive seconds"):
        PollSchedule.parse(text)


def test_jitter_stays_within_its_fraction() -> None:
    schedule = PollSchedule.of([1.0], jitter=0.2)
    rng = random.Random(7)
    samples = [schedule.delay(n, rng=rng) for n in range(200)]
    assert all(0.8 <= s <= 1.2 for s in samples)
    assert len(set(samples)) > 100


def test_jitter_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="jitter"):
        PollSchedule.of([1.0], jitter=1.0)


def test_negative_attempt_is_refused() -> None:
    with pytest.raises(ValueError):
        PollSchedule().delay(-1)
