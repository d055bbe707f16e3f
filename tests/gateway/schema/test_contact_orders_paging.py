"""``Contact.orders`` paged both ways against the Engage emulator, and bad arguments that leave
the contact's other fields in place."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.engage.demo import MANY_ORDERS_COUNT, MANY_ORDERS_EMAIL
from tests.support.gateway import GatewayHandle, sandbox_gateway

PAGE = """
query($email: String!, $first: Int, $after: String, $last: Int, $before: String) {
  contact(vendor: ENGAGE, email: $email) {
    email
    orders(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { orderId } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def page(gw: GatewayHandle, **arguments: Any) -> dict[str, Any]:
    return gw.post(PAGE, {"email": MANY_ORDERS_EMAIL, **arguments})


def connection(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    orders: dict[str, Any] = body["data"]["contact"]["orders"]
    return orders


def ids(orders: dict[str, Any]) -> list[str]:
    return [edge["node"]["orderId"] for edge in orders["edges"]]


def walk_forward(gw: GatewayHandle, size: int) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        orders = connection(page(gw, first=size, after=after))
        seen += ids(orders)
        if not orders["pageInfo"]["hasNextPage"]:
            return seen
        after = orders["pageInfo"]["endCursor"]


def test_paging_backward_from_the_end_meets_every_order_in_reverse(gw: GatewayHandle) -> None:
    forward = walk_forward(gw, 7)
    assert len(forward) == MANY_ORDERS_COUNT
    tail = connection(page(gw, last=4))
    assert ids(tail) == forward[-4:]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    backward = ids(tail)
    before = tail["pageInfo"]["startCursor"]
    while True:
        orders = connection(page(gw, last=4, before=before))
        backward = ids(orders) + backward
        assert orders["pageInfo"]["hasNextPage"] is True
        if not orders["pageInfo"]["hasPreviousPage"]:
            break
        before = orders["pageInfo"]["startCursor"]
    assert backward == forward


def test_backward_from_a_forward_cursor(gw: GatewayHandle) -> None:
    forward = walk_forward(gw, 10)
    # The end cursor of a page stands for the page's last edge (it carries the next page).
    first_page = connection(page(gw, first=10))
    orders = connection(page(gw, last=3, before=first_page["pageInfo"]["endCursor"]))
    assert ids(orders) == forward[6:9]
    middle = first_page["edges"][5]["cursor"]
    assert ids(connection(page(gw, last=10, before=middle))) == forward[:5]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"first": -1}, "`first` must be between 0 and 100"),
        ({"first": 1000}, "`first` must be between 0 and 100"),
        ({"after": "not-a-cursor"}, "Invalid cursor"),
        ({"last": -2}, "`last` must be between 0 and 100"),
        ({"before": "eyJ4Ijog"}, "pass `last`"),
        ({"last": 2, "before": "bm9wZQ"}, "Invalid cursor"),
        ({"last": 2, "after": "x", "before": "y"}, "not both"),
    ],
)
def test_a_bad_argument_nulls_only_the_connection(
    gw: GatewayHandle, arguments: dict[str, Any], message: str
) -> None:
    body = page(gw, **arguments)
    contact = body["data"]["contact"]
    assert contact["email"] == MANY_ORDERS_EMAIL
    assert contact["orders"]["edges"] == []
    [error] = body["errors"]
    assert error["path"] == ["contact", "orders"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]


COUNT = """
query($email: String!, $first: Int, $after: String) {
  contact(vendor: ENGAGE, email: $email) {
    orders(first: $first, after: $after) { totalCount edges { cursor } pageInfo { hasNextPage } }
  }
}
"""


@pytest.mark.parametrize("from_a_cursor", [False, True])
def test_an_empty_page_says_whether_orders_follow_and_how_many_there_are(
    gw: GatewayHandle, from_a_cursor: bool
) -> None:
    # `first: 0` (a count badge) answered hasNextPage false and totalCount null for a contact
    # with orders: it never asked the vendor.
    after = connection(page(gw, first=3))["pageInfo"]["endCursor"] if from_a_cursor else None
    body = gw.post(COUNT, {"email": MANY_ORDERS_EMAIL, "first": 0, "after": after})
    orders = connection(body)
    assert orders == {
        "totalCount": MANY_ORDERS_COUNT,
        "edges": [],
        "pageInfo": {"hasNextPage": True},
    }
