"""``gateway.schema.edges``: ids a URL can address, dates both vendors store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gateway.schema.edges import EARLIEST, LATEST, check_addressable_id, check_date


@pytest.mark.parametrize("value", ["A-1", "a b?c#d%e", "ö€", "a+b"])
def test_ids_a_url_can_carry_pass(value: str) -> None:
    assert check_addressable_id(value, ("orderId",), "orderId") == []


@pytest.mark.parametrize("value", ["a/b", "a\\b", "a\tb", "a\x7fb"])
def test_ids_no_url_can_route_are_invalid_ids(value: str) -> None:
    (error,) = check_addressable_id(value, ("input", "orderId"), "orderId")
    assert (error.code, error.field) == ("INVALID_ID", ("input", "orderId"))


def test_dates_are_checked_in_utc_and_an_overflowing_offset_is_refused() -> None:
    assert check_date(EARLIEST, ("d",), "d") == check_date(LATEST, ("d",), "d") == []
    assert check_date(EARLIEST - timedelta(seconds=1), ("d",), "d")
    west = timezone(timedelta(hours=-5))
    assert check_date(datetime(9999, 12, 31, 23, 0, tzinfo=west), ("d",), "d")
    assert check_date(datetime(2025, 1, 1, tzinfo=UTC), ("d",), "d") == []
    assert check_date(None, ("d",), "d") == []
