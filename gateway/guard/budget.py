"""A CPU-time budget for work whose size a client chooses.

The budget counts the CPU time of the thread doing the work (``time.thread_time_ns``), not the
wall clock: on a loaded machine other processes and threads take the CPU in the middle of a
walk, and a legal document must not be refused for time the gateway did not spend on it. The
walks it bounds never wait on I/O, so their thread's CPU time is their own work.
"""

from __future__ import annotations

import time

from graphql import GraphQLError

from gateway.errors import BudgetExceeded

VALIDATION_FAILED_CODE = "GRAPHQL_VALIDATION_FAILED"

# Checking the clock on every node would cost more than the walk itself.
_CHECK_EVERY = 64


class TimeBudget:
    def __init__(self, budget_ms: float) -> None:
        self.budget_ms = budget_ms
        # Read at the first check, not here: reading a thread's CPU clock is a system call
        # (about 2 µs, ten times the wall clock), and most documents are done before their
        # first check. The first ``_CHECK_EVERY`` nodes go uncounted, a few microseconds.
        self._deadline_ns: int | None = None
        self._ticks = 0

    def tick(self) -> None:
        self._ticks += 1
        if self._ticks % _CHECK_EVERY:
            return
        now = time.thread_time_ns()
        if self._deadline_ns is None:
            self._deadline_ns = now + int(self.budget_ms * 1_000_000)
        elif now > self._deadline_ns:
            raise BudgetExceeded


def refusal(message: str, code: str = VALIDATION_FAILED_CODE, **extensions: object) -> GraphQLError:
    """A request error (no path) with a code, as clients see it."""
    return GraphQLError(message, extensions={"code": code, **extensions})
