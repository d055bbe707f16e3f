"""Retry-After parsing and TransportSettings validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.model import Vendor
from adapters.transport import TransportSettings, parse_retry_after


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-4") == 0.0


def test_retry_after_as_http_date() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:07 GMT", now=now) == 7.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "Mon, 99 Foo"])
def test_unreadable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.parametrize(
    "overrides",
    [{"timeout_s": 0}, {"max_attempts": 0}, {"rate_per_second": -1}, {"base_url": "ftp://x"}],
)
def test_settings_refuse_nonsense(overrides: dict[str, object]) -> None:
    values: dict[str, object] = {
        "base_url": "http://vendor.test",
        "headers": {"apikey": "k"},
        "vendor": Vendor.ENGAGE,
    }
    values.update(overrides)
    with pytest.raises(ValueError, match="invalid transport settings"):
        TransportSettings(**values)  # type: ignore[arg-type]


def test_settings_never_show_headers_in_repr() -> None:
    cfg = TransportSettings(
        base_url="http://v.test", headers={"apikey": "s3cret"}, vendor=Vendor.ENGAGE
    )
    assert "s3cret" not in repr(cfg)
