"""The response the GraphQL view negotiates for one HTTP request, found again from the request.

Strawberry hands some of the view's hooks only the request; the view keeps this response in the
request's ASGI state under one key, and ``negotiated_response`` finds it there with its type.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

_STATE_KEY = "gateway_negotiated_response"


class NegotiatedResponse(Response):
    """Strawberry's per-request response stub, plus the media type negotiated for it and
    whether the request is a batch of operations."""

    def __init__(self, media_type: str) -> None:
        super().__init__()
        self.negotiated_type = media_type
        self.batch = False
        self.status_code = None  # type: ignore[assignment]
        del self.headers["content-length"]

    def attach(self, request: HTTPConnection) -> None:
        request.scope.setdefault("state", {})[_STATE_KEY] = self


def negotiated_response(request: HTTPConnection) -> NegotiatedResponse | None:
    """The response attached to ``request``, if the view negotiated one."""
    found = request.scope.get("state", {}).get(_STATE_KEY)
    return found if isinstance(found, NegotiatedResponse) else None
