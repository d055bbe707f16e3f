"""The validation budget bounds the gateway's own work, not the time other work takes.

A pre-empted thread is simulated for real: a profile hook puts the validating thread to sleep
once, mid-walk, as a loaded machine's scheduler would; no clock is faked.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from graphql import parse

from gateway.guard.budget import TimeBudget
from gateway.guard.shape import ShapeLimits, check_shape

LIMITS = ShapeLimits(max_depth=12, max_aliases=30, max_complexity=2000)
# A legal document large enough for the budget to look at its clock several times.
LEGAL = "{ " + " ".join(f"field{i} {{ vendor sandbox }}" for i in range(80)) + " }"
BUDGET_MS = 50.0


@contextmanager
def preempted(at: Callable[..., object], call: int, for_s: float) -> Iterator[list[int]]:
    """The current thread sleeps ``for_s`` when it enters ``at`` for the ``call``-th time;
    yields the number of calls seen so far."""
    calls = [0]

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code is at.__code__:
            calls[0] += 1
            if calls[0] == call:
                time.sleep(for_s)

    sys.setprofile(hook)
    try:
        yield calls
    finally:
        sys.setprofile(None)


def test_a_legal_document_is_not_refused_because_its_thread_was_preempted() -> None:
    document = parse(LEGAL)
    assert check_shape(document, LIMITS, TimeBudget(BUDGET_MS)) == []
    # Between the budget's first look at its clock and its second.
    with preempted(TimeBudget.tick, call=100, for_s=4 * BUDGET_MS / 1000) as calls:
        errors = check_shape(document, LIMITS, TimeBudget(BUDGET_MS))
    assert calls[0] >= 128, "the walk must reach the budget's second look at its clock"
    assert [e.message for e in errors] == []


def test_a_document_whose_walk_takes_more_cpu_than_the_budget_is_still_refused() -> None:
    # Twenty thousand fields: far more work than 1 ms of CPU, sleeping or not.
    document = parse("{ " + "vendors { vendor } " * 20_000 + "}")
    limits = ShapeLimits(max_depth=10**6, max_aliases=10**9, max_complexity=10**12)
    errors = check_shape(document, limits, TimeBudget(1))
    assert [e.message for e in errors] == ["The document is too complex to check within 1 ms"]
