"""Which browser origins may call the gateway: CORS for HTTP, the same list for WebSockets.

``GATEWAY_CORS_ORIGINS`` empty (the default) allows the gateway's own origin only: a same-origin
page (GraphiQL) needs no CORS headers and its WebSocket passes Strawberry's same-origin check.
``*`` allows any origin without credentials (for the sandbox); a list of origins allows those,
with credentials (cookies, ``Authorization``).
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from gateway.observability import context

PREFLIGHT_MAX_AGE_S = 600
# Response headers a page on another origin may read (a browser hides all but a short safelist):
# the request id to quote to support, when to retry after a 429, why a credential was refused.
EXPOSED_HEADERS = (context.REQUEST_ID_HEADER, "Retry-After", "WWW-Authenticate")


class HttpCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, handing anything but HTTP (a WebSocket) straight on, as
    Starlette's does, but without keeping a frame of its own for the connection's lifetime."""

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:  # type: ignore[override]
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return super().__call__(scope, receive, send)

    async def simple_response(
        self, scope: Scope, receive: Receive, send: Send, request_headers: Headers
    ) -> None:
        if "origin" in request_headers:
            await super().simple_response(scope, receive, send, request_headers)
            return

        # No Origin (not a browser's cross-origin request): Starlette only adds ``Vary:
        # Origin``, through a header map built for each answer; a plain append does the same
        # when the answer has no Vary of its own.
        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                if any(name.lower() == b"vary" for name, _ in headers):
                    await self.send(message, send=send, request_headers=request_headers)
                    return
                headers.append((b"vary", b"Origin"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_vary)


def cors_middleware(origins: tuple[str, ...]) -> Middleware:
    any_origin = "*" in origins
    return Middleware(
        HttpCORSMiddleware,
        allow_origins=list(origins),
        # HEAD too: a page's HEAD with a header of its own is preflighted like any request.
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        # Whatever a client adds (Authorization, Apollo's client-name headers, idempotency or
        # request ids) is echoed back on the preflight of an allowed origin.
        allow_headers=["*"],
        allow_credentials=not any_origin,
        expose_headers=list(EXPOSED_HEADERS),
        max_age=PREFLIGHT_MAX_AGE_S,
    )
