"""Each operation on a WebSocket and each event of a subscription waits for the vendor budget
under a deadline of its own.

An HTTP request's deadline is set once, when it arrives (``gateway.http.vendor_deadline``).
A WebSocket connection runs many operations over its life, and a subscription (over SSE or a
WebSocket) runs one execution per event for as long as it is open: one deadline for all of them
would refuse every queued call once the connection or the stream is older than
``GATEWAY_VENDOR_QUEUE_S``, and none at all would leave a shared read without its asker's
patience. So the executor of each such operation or event gets ``fresh_deadline()``, and its
vendor calls queue under it; an operation stopped while its calls queue gives them up, as an
HTTP request whose client went away does.

The later payloads of ``@defer`` and ``@stream`` run after the executor returned, while the
transport reads them (graphql-core starts their work then, in the reader's context): they are
read under the operation's deadline too, and an operation stopped before its last payload gives
up what they still have queued.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from graphql import ExperimentalIncrementalExecutionResults

from adapters.transport import Deadline, vendor_call_deadline

T = TypeVar("T")


def execute_under(
    deadline: Deadline | None,
    execute: Callable[[], Any],
    is_awaitable: Callable[[Any], bool],
) -> Any:
    """``execute()`` with the vendor calls it makes, now and in what it returns to await,
    queueing until ``deadline`` (as they are, when it is None)."""
    if deadline is None:
        return execute()
    # Set while the executor runs its resolvers (DataLoaders capture the context when asked),
    # and again while what it returned is awaited.
    with vendor_call_deadline(deadline):
        result = execute()
    if is_awaitable(result):
        return _awaited_under(deadline, result)
    return _later_payloads_under(deadline, result)


async def _awaited_under(deadline: Deadline, result: Awaitable[T]) -> T:
    with vendor_call_deadline(deadline):
        try:
            return _later_payloads_under(deadline, await result)
        except asyncio.CancelledError:
            # The operation was stopped (its socket closed, the client stopped it): the calls
            # it still has queued leave unsent. Cancelling it does not reach them: DataLoader
            # batches and shared reads run in tasks of their own.
            deadline.give_up()
            raise


def _later_payloads_under(deadline: Deadline, result: T) -> T:
    if not isinstance(result, ExperimentalIncrementalExecutionResults):
        return result
    subsequent = _read_under(deadline, result.subsequent_results)
    return result._replace(subsequent_results=subsequent)


async def _read_under(
    deadline: Deadline, payloads: AsyncGenerator[T, None]
) -> AsyncGenerator[T, None]:
    """``payloads``, each read with the vendor calls it makes queueing until ``deadline``."""
    try:
        while True:
            # Set and reset within one step: between steps the reader's context is its own.
            with vendor_call_deadline(deadline):
                try:
                    payload = await anext(payloads)
                except StopAsyncIteration:
                    return
            yield payload
    except (asyncio.CancelledError, GeneratorExit):
        # Stopped, or closed before its last payload: nobody reads the rest.
        deadline.give_up()
        raise
    finally:
        await payloads.aclose()
