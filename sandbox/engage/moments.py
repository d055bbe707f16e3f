"""Date-time parsing shared by validation and ordering, so both agree on what a date is."""

from __future__ import annotations

import re
from datetime import datetime

_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}):60")
_EPOCH = datetime.min


def parse_moment(value: str) -> datetime | None:
    """An ISO 8601 / RFC 3339 date-time, or None. RFC 3339 allows lower-case `t`/`z` and a
    leap second, which `datetime.fromisoformat` does not; both are normalised first."""
    text = _LEAP_SECOND.sub(r"\1:59", value.strip().upper())
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def sort_key(moment: datetime) -> float:
    """Seconds since year 1 in UTC, without the overflow aware comparisons hit near year 1."""
    offset = moment.utcoffset()
    seconds = (moment.replace(tzinfo=None) - _EPOCH).total_seconds()
    return seconds - (offset.total_seconds() if offset else 0.0)
