"""Recognising our own landed ExpertSender write: only what we sent, as ECDP normalises it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from adapters.expertsender.ownership import is_our_write

SENT: dict[str, Any] = {
    "id": "o-1",
    "date": "2025-05-01T10:00:00.000Z",
    "status": "Paid",
    "currency": "SEK",
    "totalValue": 398,
    "customer": {"email": "Jonas.Lind@example.com"},
    "products": [{"id": "SKU-1", "name": "Shirt", "price": 199.0, "quantity": 2}],
}


def stored(**changes: Any) -> dict[str, Any]:
    """SENT as ECDP gives it back: defaults filled in, its own forms, its own additions."""
    order = copy.deepcopy(SENT)
    order.update(
        {
            "date": "2025-05-01T10:00:00Z",  # trailing zeros of the fraction dropped
            "timeZone": "UTC",  # the unit's zone, for an order sent without one
            "status": "paid",  # stored lower-case
            "totalValue": 398.0,
            "websiteId": None,
            "isDeleted": False,
        }
    )
    order["customer"] = {"id": 1001, "email": "jonas.lind@example.com", "phone": None}
    order["products"][0]["returned"] = 0
    order.update(changes)
    return order


def test_the_stored_form_of_what_we_sent_is_our_write() -> None:
    assert is_our_write(SENT, stored())


@pytest.mark.parametrize(
    "changes",
    [
        {"totalValue": 399.0},
        {"status": "canceled"},
        {"date": "2025-05-01T10:00:01Z"},
        {"customer": {"id": 1002, "email": "maria.nilsson@example.com"}},
        {"products": []},
        {"isDeleted": True},
        {"timeZone": "UTC", "currency": "EUR"},
    ],
)
def test_another_writes_order_is_not_ours(changes: dict[str, Any]) -> None:
    assert not is_our_write(SENT, stored(**changes))


def test_a_field_we_sent_that_is_not_stored_is_not_ours() -> None:
    sent = {**SENT, "timeZone": "Central European Standard Time"}
    assert not is_our_write(sent, stored())
    assert is_our_write(sent, stored(timeZone="Central European Standard Time"))


def test_nothing_stored_is_not_ours() -> None:
    assert not is_our_write(SENT, None)
