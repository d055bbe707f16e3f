"""Did a write whose answer was lost land? Engage's retry advice (§8): read before resending.

Engage processes writes asynchronously, so a write that reached the vendor may only show up
after its job ran: the order is read again and again (bounded) until it shows the write.
Each write says what "shows" means with a predicate over the stored order (``None`` when the
order does not exist).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from adapters.engage import ownership
from adapters.errors import UpstreamError

StoredOrder = dict[str, Any] | None
Landed = Callable[[StoredOrder], bool]


class NotSeen:
    """The write did not show within the wait."""


NOT_SEEN = NotSeen()


async def await_landing(
    read: Callable[[], Awaitable[StoredOrder]],
    landed: Landed,
    *,
    wait_s: float,
    delays: Sequence[float],
) -> StoredOrder | NotSeen:
    """The stored order once ``landed`` holds for it, or ``NOT_SEEN`` after ``wait_s``; reads
    are spaced by ``delays`` (the last one repeats), like the polls of a job.

    A read that fails (the vendor is down) is tried again on the same schedule; if the last
    read before the deadline failed too, its error propagates: then nobody can tell, and the
    caller keeps its ``WriteOutcomeUnknown``.
    """
    deadline = time.monotonic() + wait_s
    for attempt in itertools.count():
        failure: UpstreamError | None = None
        try:
            stored = await read()
        except UpstreamError as exc:
            failure = exc
        else:
            if landed(stored):
                return stored
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if failure is not None:
                raise failure
            break
        await asyncio.sleep(min(delays[min(attempt, len(delays) - 1)], remaining))
    return NOT_SEEN


def holds_order(sent: dict[str, Any]) -> Landed:
    """A create or replace landed when the stored order holds what was sent (``ownership``)."""

    def landed(stored: StoredOrder) -> bool:
        return ownership.is_our_write(sent, stored)

    return landed


def is_gone(stored: StoredOrder) -> bool:
    return stored is None


def has_status(status: str, external_status: str | None) -> Landed:
    def landed(stored: StoredOrder) -> bool:
        if stored is None:
            return False
        same_status = str(stored.get("status") or "").casefold() == status.casefold()
        if external_status is None:
            return same_status
        return same_status and (stored.get("externalStatus") or "") == external_status

    return landed


def in_new_version(version_before: str | None, landed: Landed) -> Landed:
    """``landed``, in a version of the order other than ``version_before``: a change that may
    leave the order's fields as they were (a status it already had, with an action) shows
    only as the new version Engage makes for it."""

    def new(stored: StoredOrder) -> bool:
        if stored is None or not landed(stored):
            return False
        tag = stored.get("versionTag")
        return isinstance(tag, str) and bool(tag) and tag != version_before

    return new
