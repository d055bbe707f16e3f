"""Whose share of the vendors a request draws on: an authenticated client's name, otherwise
the network address."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from gateway.auth.principal import OPEN_ACCESS, Principal
from gateway.client_identity import client_identity


def _connection(principal: Principal | None) -> HTTPConnection:
    state = {"client": principal} if principal is not None else {}
    scope = {"type": "http", "client": ("10.0.0.7", 5555), "headers": [], "state": state}
    return HTTPConnection(scope)


def test_an_authenticated_client_is_its_name_wherever_it_connects_from() -> None:
    shop = Principal("web-shop", frozenset({"orders:read"}))
    assert client_identity(_connection(shop)) == "client:web-shop"


def test_open_access_and_unauthenticated_requests_are_their_address() -> None:
    assert client_identity(_connection(OPEN_ACCESS)) == "address:10.0.0.7"
    assert client_identity(_connection(None)) == "address:10.0.0.7"
    assert client_identity(None) == "address:unknown"
