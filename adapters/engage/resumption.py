"""What a retry of an Engage change needs from the attempt before it, and a read cannot show.

After a lost answer the order is read to see whether the write landed. A change of status to
the status the order already had shows nothing there, and an action (embedded or on its own)
never does: what shows is the new version Engage makes for a processed change (§3.1
``versionTag``; §2.7: create/update produce one, an action does not). So an attempt notes the
version it read before sending, and whether its write may have reached Engage; the note rides
on its failure (``VendorError.resume_note``) to the retry, which compares.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import orjson

from adapters.engage.landing import Landed, StoredOrder
from adapters.errors import VendorError, WriteOutcomeUnknown
from adapters.model import Vendor


@dataclass(frozen=True, slots=True)
class EarlierAttempt:
    may_have_sent: bool  # its write may have reached Engage
    version_before: str | None = None  # the order's versionTag before it (None: unknown)


# A first attempt: nothing sent before it.
FIRST = EarlierAttempt(may_have_sent=False)
# A retry that knows nothing of the attempt before it (e.g. that attempt's process died).
UNKNOWN = EarlierAttempt(may_have_sent=True)


def read(note: str | None) -> EarlierAttempt:
    """The earlier attempt a retry's ``earlier`` note describes; ``UNKNOWN`` if none."""
    if note is None:
        return UNKNOWN
    try:
        data: Any = orjson.loads(note)
    except orjson.JSONDecodeError:
        return UNKNOWN
    if not isinstance(data, dict) or not isinstance(data.get("sent"), bool):
        return UNKNOWN
    version = data.get("versionBefore")
    return EarlierAttempt(data["sent"], version if isinstance(version, str) else None)


def noted(exc: VendorError, attempt: EarlierAttempt) -> VendorError:
    """``exc`` carrying ``attempt`` for the retry (a note set closer to the send is kept)."""
    if exc.resume_note is None:
        exc.resume_note = orjson.dumps(
            {"sent": attempt.may_have_sent, "versionBefore": attempt.version_before}
        ).decode()
    return exc


@contextmanager
def noting(before: EarlierAttempt) -> Iterator[None]:
    """Notes on a failure of the write inside the block what a retry needs: a lost answer may
    have sent it; a write answered, or never sent, did not run (``before`` stands)."""
    try:
        yield
    except WriteOutcomeUnknown as lost:
        noted(lost, EarlierAttempt(may_have_sent=True))
        raise
    except VendorError as failed:
        noted(failed, before)
        raise


def note_failure(exc: VendorError, before: EarlierAttempt, version: str | None) -> None:
    """Notes on ``exc`` what a retry of a write carrying an action needs: ``version``, read
    before sending; and whether the write may have reached Engage (a lost answer: it may)."""
    if isinstance(exc, WriteOutcomeUnknown):
        noted(exc, EarlierAttempt(True, version))
    else:
        noted(exc, replace(before, version_before=version))


async def version_before_action(
    read: Callable[[str], Awaitable[StoredOrder]],
    order_id: str,
    before: EarlierAttempt,
    landed: Landed,
    kind: str,
    shows: str,
) -> tuple[str | None, StoredOrder]:
    """The order's version before a write carrying an action, and the order as ``read``.

    An earlier attempt may have sent the write and the order shows it landed: with no
    version from before that attempt, nothing tells whether its action ran."""
    stored = await read(order_id)
    if before.may_have_sent and landed(stored):
        raise noted(
            WriteOutcomeUnknown(
                f"An earlier attempt of this {kind} of order {order_id} may have reached"
                f" Engage, and the order {shows}; its orderAction leaves nothing a read"
                " could check, so it is not sent again. To send it again knowingly, use a"
                " new idempotencyKey.",
                vendor=Vendor.ENGAGE,
            ),
            before,
        )
    return version_of(stored), stored


def version_of(stored: dict[str, Any] | None) -> str | None:
    tag = None if stored is None else stored.get("versionTag")
    return tag if isinstance(tag, str) and tag else None
