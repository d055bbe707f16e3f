"""A background refresh of a stale cache entry that found no slot in the vendor's budget.

Refreshes queue behind every read a client waits for, for the queue's own default time, and
may get no slot at all while clients keep the budget busy: by design, the stale entry is then
served on until it expires (or a later read refreshes it) and no client sees an error. That is
not a vendor failure, so the integration log notes it as INFO (``CACHE_REFRESH_SKIPPED``),
instead of the ERROR a failed read is. A refresh a client read joined (``InFlightReads``: it then
queues above the background priority) answers that client, which sees the refusal: that is a
failed read like any other, logged as one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.errors import RateLimited, UpstreamError
from adapters.model import LogSeverity, Vendor
from adapters.transport import VendorCallPriority, current_priority

if TYPE_CHECKING:
    from gateway.services import Services

CACHE_REFRESH_SKIPPED = "CACHE_REFRESH_SKIPPED"


def no_slot_for_refresh(exc: UpstreamError) -> bool:
    """The gateway's own queue gave the call no slot in time (not a 429 from the vendor), and
    no client read joined the refresh (it still queues as background work)."""
    return (
        isinstance(exc, RateLimited)
        and exc.upstream_status is None
        and current_priority() is VendorCallPriority.BACKGROUND
    )


def refresh_skipped(services: Services, vendor: Vendor, what: str, keys: list[str]) -> None:
    services.log.record(
        LogSeverity.INFO,
        CACHE_REFRESH_SKIPPED,
        f"A stale cached read of {what} was served, and its background refresh got no slot in "
        "the vendor's request budget in time: it is served until it expires or a later read "
        "refreshes it",
        vendor=vendor,
        order_id=keys[0] if what == "orders" and len(keys) == 1 else None,
        contact_id=keys[0] if what == "contacts" and len(keys) == 1 else None,
        details={"keys": keys[:20]},
    )
