"""Who a request comes from, for the per-client shares of the vendors.

One function: an authenticated client is its name; anyone else (open access) is its network
address (the TCP peer; behind a proxy, configure the server to pass the real one).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from gateway.auth.principal import client_of

UNKNOWN_CLIENT = "address:unknown"


def client_identity(connection: HTTPConnection | None) -> str:
    principal = client_of(connection.scope.get("state")) if connection is not None else None
    if principal is not None and not principal.unrestricted:
        return f"client:{principal.name}"
    if connection is None or connection.client is None:
        return UNKNOWN_CLIENT
    return f"address:{connection.client.host}"
