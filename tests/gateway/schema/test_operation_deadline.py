"""execute_under on a real event loop: the deadline reaches what an executor runs now and what
it returns to await (the later payloads of @defer and @stream included), and an operation
cancelled while it waits gives its deadline up."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from graphql import ExperimentalIncrementalExecutionResults, InitialIncrementalExecutionResult

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


def _incremental(later: AsyncGenerator[Any, None]) -> ExperimentalIncrementalExecutionResults:
    initial = InitialIncrementalExecutionResult(data={}, pending=[], has_next=True)
    return ExperimentalIncrementalExecutionResults(initial, later)


async def test_the_later_payloads_are_read_under_the_deadline() -> None:
    deadline = Deadline.after(5)
    seen: list[Deadline | None] = []

    async def later() -> AsyncGenerator[str, None]:
        for payload in ("deferred", "streamed"):
            seen.append(current_deadline())
            yield payload

    async def execute() -> ExperimentalIncrementalExecutionResults:
        return _incremental(later())

    result = await execute_under(deadline, execute, inspect.isawaitable)
    read = []
    async for payload in result.subsequent_results:
        # The reader's own context between payloads.
        assert current_deadline() is None
        read.append(payload)
    assert read == ["deferred", "streamed"]
    assert seen == [deadline, deadline]
    assert not deadline.given_up


async def test_an_operation_stopped_before_its_last_payload_gives_its_deadline_up() -> None:
    deadline = Deadline.after(5)
    closed = asyncio.Event()

    async def later() -> AsyncGenerator[str, None]:
        try:
            yield "deferred"
            await asyncio.sleep(10)
            yield "never"
        finally:
            closed.set()

    result = execute_under(deadline, lambda: _incremental(later()), inspect.isawaitable)
    payloads = result.subsequent_results
    assert await anext(payloads) == "deferred"
    reading = asyncio.ensure_future(anext(payloads))
    await asyncio.sleep(0.01)
    reading.cancel()
    await asyncio.gather(reading, return_exceptions=True)
    assert deadline.given_up
    assert closed.is_set()


async def test_a_reader_that_closes_the_payloads_early_gives_the_deadline_up() -> None:
    deadline = Deadline.after(5)

    async def later() -> AsyncGenerator[str, None]:
        yield "deferred"
        yield "streamed"

    result = execute_under(deadline, lambda: _incremental(later()), inspect.isawaitable)
    async with aclosing(result.subsequent_results) as payloads:
        async for _ in payloads:
            break
    assert deadline.given_up
