"""Is the order ECDP holds the write we sent? (A lost answer's write, recognised by a read.)

ECDP documents no field a client could use as its own marker (order attributes must be defined
in the unit's catalogue first), so the stored order is compared with the order object we sent,
field by field as ECDP normalises it (vendor note §2, §6, §10.5; ``docs/vendor-assumptions.md``):
a field we left out is the vendor's to fill in (``timeZone`` becomes the unit's zone, ``status``
``null``) and is not compared; ``status`` is stored lower-case; ``date`` reads back as the same
instant with trailing zeros of the fraction dropped; emails are matched case-insensitively; numbers
by value. A soft-deleted order is not a write of ours: every write mode that lands revives it.
"""

from __future__ import annotations

from typing import Any

from adapters.expertsender.inferred import DELETED_FLAGS, DELETED_STATUS
from adapters.sent_subset import by_path, casefolded, holds, instant

_NORMALISE = by_path(
    {
        ("date",): instant,
        ("status",): casefolded,
        ("currency",): casefolded,
        ("timeZone",): casefolded,
        ("customer", "email"): casefolded,
    },
    # Typed attribute values (order and product attributes): a Date may read back in another form.
    suffixes={("value",): instant},
)


def is_our_write(sent: dict[str, Any], stored: object) -> bool:
    """Whether ``stored`` (the ``data`` of ``GET /orders/{id}``, or ``None``) holds ``sent``
    (one element of the ``data[]`` we posted)."""
    if not isinstance(stored, dict) or _deleted(stored):
        return False
    return holds(sent, stored, _NORMALISE)


def _deleted(stored: dict[str, Any]) -> bool:
    # A soft-deleted order says so by a flag or by its status (seed: status 'deleted').
    status = stored.get("status")
    if isinstance(status, str) and status.strip().casefold() == DELETED_STATUS:
        return True
    return any(stored.get(flag) is True for flag in DELETED_FLAGS)
