"""Opaque cursors carry the vendor's own link and nothing else."""

from __future__ import annotations

import base64

import pytest

from adapters.engage import cursors
from adapters.errors import ValidationFailed


def test_cursor_round_trips_the_vendor_link_without_its_host() -> None:
    href = "http://127.0.0.1:8080/api/v3/orders?contactId=x&offset=10&count=10"
    cursor = cursors.encode(href)
    assert "api" not in cursor
    decoded = cursors.decode(cursor, "x")
    assert decoded == "/api/v3/orders?contactId=x&offset=10&count=10"
    assert "127.0.0.1" not in decoded


def test_a_hand_made_absolute_cursor_is_refused() -> None:
    forged = base64.urlsafe_b64encode(b"e1:http://evil.example/api/v3/orders").decode()
    with pytest.raises(ValidationFailed):
        cursors.decode(forged.rstrip("="), "x")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!!",
        "",
        cursors.encode("http://127.0.0.1/api/v3/contacts/abc"),
        cursors.encode("/api/v3/orders/ENG-1001"),
    ],
)
def test_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cursors.decode(cursor, "x")
    assert caught.value.field_errors[0].path == ("after",)


def test_a_cursor_pages_only_the_contact_it_was_made_for() -> None:
    cursor = cursors.encode("/api/v3/orders?contactId=ABC-1&offset=10&count=10")
    assert cursors.decode(cursor, "abc-1").endswith("offset=10&count=10")  # GUIDs: any case
    with pytest.raises(ValidationFailed) as caught:
        cursors.decode(cursor, "other")
    assert caught.value.field_errors[0].path == ("after",)
