"""Customer look-ups, and how orders find or create their customer."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.sandbox.expertsender.conftest import batch, new_id, valid_order

JONAS = {
    "id": 1001,
    "email": "jonas.lind@example.com",
    "phone": "46701234501",
    "crmId": "CRM-1001",
    "firstName": "Jonas",
    "lastName": "Lind",
}


@pytest.mark.parametrize(
    "path",
    [
        "/customers/email/jonas.lind@example.com",
        "/customers/email/Jonas.Lind@Example.com",
        "/customers/id/1001",
        "/customers/phone/46701234501",
        "/customers/crmId/CRM-1001",
    ],
)
def test_lookups_find_the_customer(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == {"data": JONAS}


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/customers/email/nobody@example.com", "No customer with email 'nobody@example.com'"),
        ("/customers/id/999999", "No customer with id '999999'"),
        ("/customers/phone/000", "No customer with phone '000'"),
        ("/customers/crmId/CRM-0", "No customer with crmId 'CRM-0'"),
    ],
)
def test_unknown_customer_is_404(client: httpx.Client, path: str, detail: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    problem = response.json()
    assert problem["substatus"] == "CustomerNotFound"
    assert problem["detail"].startswith(detail)


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", "99999999999"])
def test_non_numeric_customer_id_is_400(client: httpx.Client, raw: str) -> None:
    response = client.get(f"/customers/id/{raw}")
    assert response.status_code == 400
    problem = response.json()
    assert problem["substatus"] == "CustomerInvalidModelState"
    assert problem["errors"] == [f"id: The value '{raw}' is not valid."]


def write(client: httpx.Client, customer: dict[str, Any]) -> dict[str, Any]:
    order = valid_order(customer=customer)
    assert client.post("/orders", json=batch(order)).status_code == 201, customer
    linked: dict[str, Any] = client.get(f"/orders/{order['id']}").json()["data"]["customer"]
    return linked


def test_an_unmatched_order_creates_its_customer(client: httpx.Client) -> None:
    email = f"{new_id('new')}@example.com".lower()
    linked = write(client, {"email": email, "phone": "46700000001", "crmId": "N-1"})
    found = client.get(f"/customers/email/{quote(email)}").json()["data"]
    assert found["id"] == linked["id"]
    assert (found["email"], found["phone"], found["crmId"]) == (email, "46700000001", "N-1")
    assert client.get(f"/customers/id/{linked['id']}").json()["data"] == found
    # A second order with the same email joins the same customer.
    assert write(client, {"email": email.upper()})["id"] == linked["id"]


def test_orders_match_by_email_before_phone(client: httpx.Client) -> None:
    # Jonas's phone next to a new email: the unit matches by email, so a new customer.
    email = f"{new_id('e')}@example.com".lower()
    linked = write(client, {"email": email, "phone": JONAS["phone"]})
    assert linked["id"] != JONAS["id"]
    # The order reads back with the identifiers it was written with.
    assert (linked["email"], linked["phone"]) == (email, JONAS["phone"])


def test_without_email_orders_match_by_phone_then_crm_id(client: httpx.Client) -> None:
    assert write(client, {"phone": JONAS["phone"]})["id"] == JONAS["id"]
    assert write(client, {"crmId": JONAS["crmId"]})["id"] == JONAS["id"]


def test_guest_orders_sharing_crm_id_zero_stay_apart(client: httpx.Client) -> None:
    first = write(client, {"email": f"{new_id('g')}@example.com", "crmId": "0"})
    second = write(client, {"email": f"{new_id('g')}@example.com", "crmId": "0"})
    assert first["id"] != second["id"]


def test_blank_identifiers_read_back_but_never_match(client: httpx.Client) -> None:
    email = f"{new_id('b')}@example.com".lower()
    linked = write(client, {"email": email, "phone": "", "crmId": "  "})
    assert (linked["phone"], linked["crmId"]) == ("", "  ")
    created = client.get(f"/customers/id/{linked['id']}").json()["data"]
    assert (created["email"], created["phone"], created["crmId"]) == (email, None, None)
    assert client.get("/customers/crmId/%20%20").status_code == 404
