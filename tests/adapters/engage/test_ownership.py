"""Recognising our own landed Engage write: only what we sent, as Engage normalises it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from adapters.engage.ownership import is_our_write

SENT: dict[str, Any] = {
    "orderId": "o-1",
    "contact": {"matchKey": "Anna.Berg@example.com", "matchKeyType": "Email"},
    "status": "InProgress",
    "currencyCode": "SEK",
    "createdAt": "2025-05-01T12:00:00+02:00",
    "lineItems": {
        "items": [{"type": "Purchase", "quantity": 2, "article": {"sku": "S"}, "totalPrice": 398}],
        "subTotal": 398,
    },
    "totalPrice": 398,
    "orderAction": {"action": "ConfirmOrder"},
}


def stored(**changes: Any) -> dict[str, Any]:
    order = copy.deepcopy(SENT)
    del order["orderAction"]  # applied, not stored
    order.update(
        {
            "contact": {"matchKey": "anna.berg@example.com", "matchKeyType": "email"},
            "status": "inprogress",
            "createdAt": "2025-05-01T10:00:00Z",  # the same instant in UTC
            "totalPrice": 398.0,
            "type": "Purchase",
            "versionTag": "djE=",
            "contactId": "c-1",
        }
    )
    order.update(changes)
    return order


def test_the_stored_form_of_what_we_sent_is_our_write() -> None:
    assert is_our_write(SENT, stored())


@pytest.mark.parametrize(
    "changes",
    [
        {"totalPrice": 1.0},
        {"status": "Cancelled"},
        {"createdAt": "2025-05-01T12:00:00Z"},
        {"contact": {"matchKey": "erik.holm@example.com", "matchKeyType": "Email"}},
        {"lineItems": {"items": [], "subTotal": 0}},
    ],
)
def test_another_writes_order_is_not_ours(changes: dict[str, Any]) -> None:
    assert not is_our_write(SENT, stored(**changes))


def test_nothing_stored_is_not_ours() -> None:
    assert not is_our_write(SENT, None)
