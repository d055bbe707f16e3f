"""What every log line of a request carries: its id, client, operation and vendor.

Context variables, so a line written anywhere below the request (a resolver, a vendor call)
names the request without the value being passed down.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar


class RequestFacts:
    """What inner layers learn about a request that its access line reports."""

    __slots__ = ("operation", "refused")

    def __init__(self) -> None:
        self.operation: str | None = None
        # The code of the error a request was refused with before any operation ran.
        self.refused: str | None = None


request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
request_facts: ContextVar[RequestFacts | None] = ContextVar("request_facts", default=None)
client: ContextVar[str | None] = ContextVar("client", default=None)
operation: ContextVar[str | None] = ContextVar("operation", default=None)
vendor: ContextVar[str | None] = ContextVar("vendor", default=None)

REQUEST_ID_HEADER = "x-request-id"
# A client's own request id is kept when it is short and plain; anything else could carry
# personal data or break a log pipeline, so the gateway makes its own instead.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
_CLIENT_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def accept_request_id(raw: str | None) -> str:
    if raw is not None and _ACCEPTED_ID.fullmatch(raw):
        return raw
    return uuid.uuid4().hex


def client_name(raw: str | None) -> str | None:
    """The client's self-declared name (``apollographql-client-name``), if it is plain."""
    if raw is not None and _CLIENT_NAME.fullmatch(raw):
        return raw
    return None


def note_refusal(code: object) -> None:
    """Record that the request now running is refused, with ``code``, before any operation."""
    facts = request_facts.get()
    if facts is not None and isinstance(code, str):
        facts.refused = code
