"""The status table: gateway ⇄ Engage, lossless through externalStatus."""

from __future__ import annotations

import pytest

from adapters.engage import statuses
from adapters.model import OrderStatus


@pytest.mark.parametrize(
    ("status", "vendor", "external"),
    [
        (OrderStatus.PLACED, "InProgress", "Placed"),
        (OrderStatus.PAID, "InProgress", "Paid"),
        (OrderStatus.IN_PROGRESS, "InProgress", ""),
        (OrderStatus.COMPLETED, "Completed", None),
        (OrderStatus.CANCELLED, "Cancelled", None),
    ],
)
def test_every_status_round_trips_without_a_client_external_status(
    status: OrderStatus, vendor: str, external: str | None
) -> None:
    sent = statuses.to_vendor(status, None)
    assert (sent.status, sent.external_status, sent.warnings) == (vendor, external, ())
    assert statuses.from_vendor(sent.status, sent.external_status) == (status, None)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_client_external_status_is_always_kept(status: OrderStatus) -> None:
    sent = statuses.to_vendor(status, "Picked")
    assert sent.external_status == "Picked"
    read_status, read_external = statuses.from_vendor(sent.status, sent.external_status)
    assert read_external == "Picked"
    if status in (OrderStatus.PLACED, OrderStatus.PAID):
        assert read_status is OrderStatus.IN_PROGRESS
        (warning,) = sent.warnings
        assert warning.code == "STATUS_NOT_PRESERVED"
        assert status.value in warning.message and "Picked" in warning.message
    else:
        assert read_status is status and sent.warnings == ()


def test_markers_are_read_case_insensitively_and_stale_ones_dropped() -> None:
    assert statuses.from_vendor("inprogress", "PLACED") == (OrderStatus.PLACED, None)
    assert statuses.from_vendor("Completed", "Paid") == (OrderStatus.COMPLETED, None)
    assert statuses.from_vendor("Cancelled", "Placed") == (OrderStatus.CANCELLED, None)


def test_unknown_vendor_status_and_missing_status() -> None:
    assert statuses.from_vendor("OnHold", "x") == (None, "x")
    assert statuses.from_vendor(None, None) == (None, None)
    sent = statuses.to_vendor(None, None)
    assert sent.status == "InProgress"
    assert [w.code for w in sent.warnings] == ["STATUS_DEFAULTED"]
