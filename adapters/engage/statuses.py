"""The gateway's order statuses ⇄ Engage's three, lossless through ``externalStatus``.

Engage knows ``InProgress``, ``Completed`` and ``Cancelled`` (§3.1) plus a free-text
``externalStatus``. The rule:

- COMPLETED ⇄ Completed, CANCELLED ⇄ Cancelled, IN_PROGRESS ⇄ InProgress.
- PLACED and PAID have no Engage status. They are written as InProgress with a *marker*
  externalStatus (``"Placed"`` / ``"Paid"``) when the client gave no externalStatus of its own,
  and a marker read back turns into that status again (with no externalStatus).
- When the client gave its own externalStatus for PLACED or PAID, theirs is kept (Engage
  shows it, segments on it) and the gateway status is lost: it reads back as IN_PROGRESS.
  The write carries a ``STATUS_NOT_PRESERVED`` warning saying so.
- IN_PROGRESS without an externalStatus writes an empty one, so a marker left by an earlier
  PLACED/PAID cannot make the order read back as PLACED/PAID again. An empty externalStatus
  reads back as none.
- A marker next to Completed/Cancelled (left by an earlier status) is ours, not the client's:
  it reads back as no externalStatus.
- A client's own externalStatus that equals a marker reads back as that status (the one
  ambiguity of the scheme; markers are compared case-insensitively).
- No status on a write: Engage requires one, so IN_PROGRESS is sent (and said in a warning).
- A status Engage answers that the table does not know: ``status`` None, the raw value kept in
  ``vendor_status`` by the order mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.engage import inferred
from adapters.model import JobMessage, OrderStatus

_DIRECT = {
    OrderStatus.IN_PROGRESS: inferred.ORDER_STATUS_IN_PROGRESS,
    OrderStatus.COMPLETED: inferred.ORDER_STATUS_COMPLETED,
    OrderStatus.CANCELLED: inferred.ORDER_STATUS_CANCELLED,
}
_MARKERS = {OrderStatus.PLACED: "Placed", OrderStatus.PAID: "Paid"}
_FROM_VENDOR = {value.casefold(): status for status, value in _DIRECT.items()}
_FROM_MARKER = {marker.casefold(): status for status, marker in _MARKERS.items()}


@dataclass(frozen=True, slots=True)
class VendorStatus:
    status: str
    external_status: str | None
    warnings: tuple[JobMessage, ...] = ()


def to_vendor(status: OrderStatus | None, external_status: str | None) -> VendorStatus:
    if status is None:
        return VendorStatus(
            inferred.ORDER_STATUS_IN_PROGRESS,
            external_status,
            (
                JobMessage(
                    "STATUS_DEFAULTED",
                    "Engage requires a status; none was given, so IN_PROGRESS was sent",
                    ("status",),
                ),
            ),
        )
    if status in _MARKERS:
        if external_status is None:
            return VendorStatus(inferred.ORDER_STATUS_IN_PROGRESS, _MARKERS[status])
        return VendorStatus(
            inferred.ORDER_STATUS_IN_PROGRESS,
            external_status,
            (
                JobMessage(
                    "STATUS_NOT_PRESERVED",
                    f"Engage has no {status.value} status: InProgress was sent with your "
                    f"externalStatus {external_status!r}, so the order reads back as IN_PROGRESS",
                    ("status",),
                ),
            ),
        )
    if status is OrderStatus.IN_PROGRESS and external_status is None:
        return VendorStatus(inferred.ORDER_STATUS_IN_PROGRESS, "")
    return VendorStatus(_DIRECT[status], external_status)


def from_vendor(
    vendor_status: str | None, external_status: str | None
) -> tuple[OrderStatus | None, str | None]:
    """The gateway status and the client's own externalStatus (markers removed)."""
    external = external_status or None
    marker = _FROM_MARKER.get(external.casefold()) if external is not None else None
    status = _FROM_VENDOR.get(vendor_status.casefold()) if vendor_status else None
    if marker is not None:
        if status is OrderStatus.IN_PROGRESS:
            return marker, None
        if status is not None:
            return status, None
    return status, external
