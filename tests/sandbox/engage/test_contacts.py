"""Contact look-ups: /api/v3/contacts/id and /api/v3/contacts/{id}."""

from __future__ import annotations

import httpx
import pytest

from sandbox.engage.demo import CONTACTS

ANNA = CONTACTS[0]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("email", "anna.berg@example.com"),
        ("email", "Anna.Berg@Example.com"),
        ("mobilePhone", "+46701234501"),
        ("mobilePhone", "+46 70-123 45 01"),
        ("socialSecurityNumber", "19850101-1234"),
        ("customKey", "EXT-1001"),
        ("any", "anna.berg@example.com"),
        ("any", "198501011234"),
        ("any", "+46701234501"),
        ("any", "EXT-1001"),
    ],
)
def test_find_contact_id_by_each_key(reader: httpx.Client, param: str, value: str) -> None:
    answer = reader.get("/api/v3/contacts/id", params={param: value})
    assert answer.status_code == 200, answer.text
    assert answer.json() == ANNA.contact_id  # a bare JSON string


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"email": "nobody@example.com"}, 404, "ContactNotFound"),
        ({"mobilePhone": "+46705550100"}, 409, "MultipleMatches"),
        ({"email": "not-an-email"}, 400, "InvalidEmailAddress"),
        ({"mobilePhone": "phone"}, 400, "InvalidPhoneNumber"),
        ({"socialSecurityNumber": "12"}, 400, "InvalidSocialSecurityNumber"),
        ({}, 400, "InvalidSearchQuery"),
        ({"email": "anna.berg@example.com", "customKey": "EXT-1001"}, 400, "InvalidSearchQuery"),
        ({"email": "anna.berg@example.com", "contactType": "Alien"}, 400, "InvalidContactType"),
        ({"email": "anna.berg@example.com", "contactType": "Contact"}, 404, "ContactNotFound"),
        # §7: `any` stops at the first kind the value is valid as, even without a hit.
        ({"any": "nobody@example.com"}, 404, "ContactNotFound"),
    ],
)
def test_find_contact_id_failures(
    reader: httpx.Client, params: dict[str, str], status: int, code: str
) -> None:
    answer = reader.get("/api/v3/contacts/id", params=params)
    assert answer.status_code == status
    assert answer.json()["errorCode"] == code


def test_contact_type_filter_matches_members(reader: httpx.Client) -> None:
    params = {"email": "anna.berg@example.com", "contactType": "member"}
    assert reader.get("/api/v3/contacts/id", params=params).json() == ANNA.contact_id


def test_get_contact(reader: httpx.Client) -> None:
    answer = reader.get(f"/api/v3/contacts/{ANNA.contact_id}")
    assert answer.status_code == 200
    contact = answer.json()
    assert contact["id"] == ANNA.contact_id
    assert contact["attributes"]["email"] == "anna.berg@example.com"
    assert contact["attributes"]["firstName"] == "Anna"
    assert contact["attributes"]["externalId"] == "EXT-1001"
    assert contact["meta"]["contactType"] == "Member"


def test_get_contact_id_is_case_insensitive(reader: httpx.Client) -> None:
    assert reader.get(f"/api/v3/contacts/{ANNA.contact_id.upper()}").status_code == 200


def test_get_unknown_contact_is_404(reader: httpx.Client) -> None:
    answer = reader.get("/api/v3/contacts/00000000-0000-0000-0000-000000000000")
    assert answer.status_code == 404
    assert answer.json()["errorCode"] == "ContactNotFound"
