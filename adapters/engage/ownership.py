"""Is the order Engage holds the write we sent? (A lost answer's write, recognised by a read.)

Engage documents no field a client could use as its own marker, so the stored order is compared
with the body we sent, field by field as Engage normalises it (vendor note §3,
``docs/vendor-assumptions.md``): only what we sent is compared (Engage adds ``type``,
``versionTag``, ``contactId`` and may fill in defaults); enum values (``status``,
``matchKeyType``, a line's ``type``, ``returnDetails.type``) compare case-insensitively (§10.7);
date-times by the instant they name, whatever the offset; numbers by value. The embedded
``orderAction`` is not part of the stored order and is left out.
"""

from __future__ import annotations

from typing import Any

from adapters.sent_subset import by_path, casefolded, holds, instant

_NORMALISE = by_path(
    {
        ("status",): casefolded,
        ("contact", "matchKeyType"): casefolded,
        ("contact", "matchKey"): casefolded,
        ("currencyCode",): casefolded,
        ("createdAt",): instant,
        ("lastChangedAt",): instant,
        ("lineItems", "items", "type"): casefolded,
        ("lineItems", "items", "returnDetails", "type"): casefolded,
        ("delivery", "deliveryDate"): instant,
    }
)

_NOT_STORED = ("orderAction",)


def is_our_write(sent: dict[str, Any], stored: object) -> bool:
    """Whether ``stored`` (``GET /api/v3/orders/{id}``, or ``None``) holds ``sent`` (the body
    of our ``POST``/``PUT``)."""
    if not isinstance(stored, dict):
        return False
    compared = {key: value for key, value in sent.items() if key not in _NOT_STORED}
    return holds(compared, stored, _NORMALISE)
