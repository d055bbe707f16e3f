"""Who a request comes from, for the per-client shares of the vendors.

One function, so that authentication can name clients instead: today a client is its network
address (the TCP peer; behind a proxy, configure the server to pass the real one).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

UNKNOWN_CLIENT = "address:unknown"


def client_identity(connection: HTTPConnection | None) -> str:
    if connection is None or connection.client is None:
        return UNKNOWN_CLIENT
    return f"address:{connection.client.host}"
