from __future__ import annotations

import pytest

from gateway.public_text import public_message


@pytest.mark.parametrize(
    ("operator_text", "client_text"),
    [
        (
            "Engage dropped the connection (RemoteProtocolError, GET /api/v3/orders/ENG-1)",
            "Engage dropped the connection",
        ),
        ("Engage failed (HTTP 500, GET /api/v3/orders/x)", "Engage failed (HTTP 500)"),
        ("Engage rate limit exceeded (POST /api/v3/orders)", "Engage rate limit exceeded"),
        (
            "Engage sent an order the adapter cannot read (KeyError: 'x')",
            "Engage sent an order the adapter cannot read",
        ),
        (
            "request to Engage could not be sent (InvalidURL, GET /x)",
            "request to Engage could not be sent",
        ),
        (
            "Retrying GET /api/v3/orders/ENG-1 (attempt 2) in 0.24s",
            "Retrying a request (attempt 2) in 0.24s",
        ),
        ("see https://tenant.voyado.com/api/v3/orders/1", "see the vendor"),
        ("Order ENG-1 not found", "Order ENG-1 not found"),
    ],
)
def test_transport_details_are_taken_out(operator_text: str, client_text: str) -> None:
    assert public_message(operator_text) == client_text
