"""The order status table: gateway ``OrderStatus`` ⇄ ECDP ``status`` (seed: placed, paid,
completed, canceled).

``IN_PROGRESS`` has no ECDP value. It is written as ``placed`` (the order exists and is not yet
paid, completed or cancelled, the nearest meaning) and the write carries a warning, so the loss
is visible; reading ``placed`` back gives ``PLACED``.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.model import JobMessage, OrderStatus

STATUS_NOT_SUPPORTED = "STATUS_NOT_SUPPORTED"

_TO_VENDOR: dict[OrderStatus, str] = {
    OrderStatus.PLACED: "placed",
    OrderStatus.PAID: "paid",
    OrderStatus.IN_PROGRESS: "placed",
    OrderStatus.COMPLETED: "completed",
    OrderStatus.CANCELLED: "canceled",
}

_FROM_VENDOR: dict[str, OrderStatus] = {
    "placed": OrderStatus.PLACED,
    "paid": OrderStatus.PAID,
    "completed": OrderStatus.COMPLETED,
    "canceled": OrderStatus.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class VendorStatus:
    value: str
    warning: JobMessage | None = None


def to_vendor(status: OrderStatus, *, field: tuple[str, ...] = ("status",)) -> VendorStatus:
    value = _TO_VENDOR[status]
    if status is OrderStatus.IN_PROGRESS:
        return VendorStatus(
            value,
            JobMessage(
                STATUS_NOT_SUPPORTED,
                "ExpertSender has no in-progress status; the order is stored as 'placed'",
                field,
            ),
        )
    return VendorStatus(value)


def from_vendor(value: str | None) -> OrderStatus | None:
    """The gateway status for a vendor value, ``None`` when unknown (the caller keeps the raw
    value as ``vendor_status``). The vendor accepts any letter case, so any is read."""
    if value is None:
        return None
    return _FROM_VENDOR.get(value.strip().lower())
