"""Values the gateway accepts only if every vendor can take them and give them back.

An order id travels in a URL path segment at both vendors (``/api/v3/orders/{orderId}``,
``/orders/{id}``): it is percent-encoded, but a ``/`` (``%2F``) is decoded before routing by the
usual .NET hosting stacks both vendors run on, so such an order could be written and never read
again; control characters have no safe encoding either. Those ids are refused up front with
``INVALID_ID``. Dates are kept inside the range a .NET/SQL Server ``datetime`` stores
(1753-01-01 to 9999-12-31) whatever their offset, so a date accepted is one that reads back.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.errors import UserErrorInfo

INVALID_ID = "INVALID_ID"
INVALID_DATE = "VALIDATION_FAILED"
EARLIEST = datetime(1753, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
UNADDRESSABLE = frozenset("/\\")

Path = tuple[str, ...]


def check_addressable_id(value: str, path: Path, what: str) -> list[UserErrorInfo]:
    """An id a vendor can carry in a URL path and route back to the same resource."""
    bad = sorted({ch for ch in value if ch in UNADDRESSABLE or ord(ch) < 0x20 or ord(ch) == 0x7F})
    if not bad:
        return []
    shown = ", ".join(repr(ch) for ch in bad)
    return [
        UserErrorInfo(
            code=INVALID_ID,
            message=f"{what} cannot contain {shown}: the vendor could not address it in a URL",
            field=path,
        )
    ]


def check_date(value: datetime | None, path: Path, what: str) -> list[UserErrorInfo]:
    """A date inside the range both vendors store (checked in UTC)."""
    if value is None or value.tzinfo is None:
        return []
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        moment = None
    if moment is not None and EARLIEST <= moment <= LATEST:
        return []
    return [
        UserErrorInfo(
            code=INVALID_DATE,
            message=f"{what} must lie between {EARLIEST.date()} and {LATEST.date()}",
            field=path,
        )
    ]
