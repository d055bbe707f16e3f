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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

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
    return result


async def _awaited_under(deadline: Deadline, result: Awaitable[T]) -> T:
    with vendor_call_deadline(deadline):
        try:
            return await result
        except asyncio.CancelledError:
            # The operation was stopped (its socket closed, the client stopped it): the calls
            # it still has queued leave unsent. Cancelling it does not reach them: DataLoader
            # batches and shared reads run in tasks of their own.
            deadline.give_up()
            raise
