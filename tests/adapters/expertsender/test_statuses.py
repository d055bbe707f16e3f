import pytest

from adapters.expertsender import statuses
from adapters.model import OrderStatus


@pytest.mark.parametrize(
    ("status", "wire"),
    [
        (OrderStatus.PLACED, "placed"),
        (OrderStatus.PAID, "paid"),
        (OrderStatus.COMPLETED, "completed"),
        (OrderStatus.CANCELLED, "canceled"),
    ],
)
def test_each_status_maps_both_ways_without_warning(status: OrderStatus, wire: str) -> None:
    sent = statuses.to_vendor(status)
    assert sent.value == wire
    assert sent.warning is None
    assert statuses.from_vendor(wire) is status


def test_in_progress_is_stored_as_placed_with_a_warning() -> None:
    sent = statuses.to_vendor(OrderStatus.IN_PROGRESS)
    assert sent.value == "placed"
    assert sent.warning is not None
    assert sent.warning.code == statuses.STATUS_NOT_SUPPORTED
    assert sent.warning.field == ("status",)


@pytest.mark.parametrize("wire", ["Completed", "COMPLETED", " completed "])
def test_vendor_values_are_read_in_any_case(wire: str) -> None:
    assert statuses.from_vendor(wire) is OrderStatus.COMPLETED


@pytest.mark.parametrize("wire", [None, "", "shipped", "cancelled"])
def test_unknown_vendor_values_have_no_gateway_status(wire: str | None) -> None:
    assert statuses.from_vendor(wire) is None
