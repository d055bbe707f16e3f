"""execute_under on a real event loop: the deadline reaches what an executor runs now and what
it returns to await, and an operation cancelled while it waits gives its deadline up."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from adapters.transport import Deadline, current_deadline
from gateway.schema.operation_deadline import execute_under


def test_without_a_deadline_the_execution_runs_as_it_is() -> None:
    assert execute_under(None, lambda: "answer", inspect.isawaitable) == "answer"


async def test_the_deadline_reaches_the_execution_and_what_it_returns_to_await() -> None:
    deadline = Deadline.after(5)
    seen: list[Deadline | None] = []

    async def rest() -> str:
        seen.append(current_deadline())
        return "answer"

    def execute() -> Any:
        seen.append(current_deadline())
        return rest()

    assert await execute_under(deadline, execute, inspect.isawaitable) == "answer"
    assert seen == [deadline, deadline]
    assert current_deadline() is None
    assert not deadline.given_up


async def test_an_operation_cancelled_while_it_waits_gives_its_deadline_up() -> None:
    deadline = Deadline.after(5)
    waiting = asyncio.ensure_future(
        execute_under(deadline, lambda: asyncio.sleep(10), inspect.isawaitable)
    )
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert deadline.given_up
