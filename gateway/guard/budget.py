"""A wall-clock budget for work whose size a client chooses."""

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
        self.deadline = time.perf_counter() + budget_ms / 1000
        self._ticks = 0

    def tick(self) -> None:
        self._ticks += 1
        if self._ticks % _CHECK_EVERY == 0 and time.perf_counter() > self.deadline:
            raise BudgetExceeded


def refusal(message: str, code: str = VALIDATION_FAILED_CODE, **extensions: object) -> GraphQLError:
    """A request error (no path) with a code, as clients see it."""
    return GraphQLError(message, extensions={"code": code, **extensions})
