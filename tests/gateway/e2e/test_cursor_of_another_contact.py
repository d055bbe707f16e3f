"""A page cursor belongs to the contact whose orders it pages: handed to another contact's
``orders`` it is refused, instead of answering the first contact's orders as the second's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.gateway import GatewayHandle, sandbox_gateway

PAGE = """
query Page($email: String!, $after: String) {
  contact(vendor: ENGAGE, email: $email) {
    contactId
    orders(first: 5, after: $after) {
      edges { node { orderId contact { email } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
MANY = "many.orders@example.com"
OTHER = "anna.berg@example.com"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def page(gw: GatewayHandle, email: str, after: str | None = None) -> dict[str, Any]:
    return gw.post(PAGE, {"email": email, "after": after})


def test_a_cursor_pages_its_own_contacts_orders(gw: GatewayHandle) -> None:
    first = page(gw, MANY)["data"]["contact"]["orders"]
    second = page(gw, MANY, first["pageInfo"]["endCursor"])
    assert "errors" not in second
    emails = {
        edge["node"]["contact"]["email"] for edge in second["data"]["contact"]["orders"]["edges"]
    }
    assert emails == {MANY}


def test_a_cursor_of_another_contact_is_refused(gw: GatewayHandle) -> None:
    cursor = page(gw, MANY)["data"]["contact"]["orders"]["pageInfo"]["endCursor"]
    body = page(gw, OTHER, cursor)
    assert body["data"]["contact"]["orders"]["edges"] == [], body
    [error] = body["errors"]
    assert error["path"] == ["contact", "orders"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED"
    assert "another contact" in error["message"]
