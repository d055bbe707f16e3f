"""Refusing a client that was told to retry later, before its request body is read."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import Scope, Send

from gateway.client_identity import client_identity
from gateway.errors import ClientRateLimited
from gateway.guard.shares import ClientShares
from gateway.http.refusal import send_refusal


async def refused_at_the_door(shares: ClientShares, scope: Scope, send: Send) -> bool:
    """Answers 429 and returns True if the request's client still has to wait."""
    wait = shares.retry_after(client_identity(HTTPConnection(scope)))
    if wait is None:
        return False
    await send_refusal(
        scope,
        send,
        429,
        f"This client has used its share of vendor calls; retry in {wait} s",
        {"code": ClientRateLimited.code, "retryAfter": wait},
        headers={"Retry-After": str(wait)},
    )
    return True
