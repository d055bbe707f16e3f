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
    decoded = cursors.decode(cursor)
    assert decoded == "/api/v3/orders?contactId=x&offset=10&count=10"
    assert "127.0.0.1" not in decoded


def test_a_hand_made_absolute_cursor_is_refused() -> None:
    forged = base64.urlsafe_b64encode(b"e1:http://evil.example/api/v3/orders").decode()
    with pytest.raises(ValidationFailed):
        cursors.decode(forged.rstrip("="))


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
        cursors.decode(cursor)
    assert caught.value.field_errors[0].path == ("after",)
