"""The per-request GraphQL context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from graphql import GraphQLError
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket

from gateway.auth.principal import Principal, current_client
from gateway.loaders import Loaders
from gateway.services import Services


@dataclass(eq=False)
class GatewayContext:
    services: Services
    loaders: Loaders
    # The HTTP request or the WebSocket the operation arrived on, and what Strawberry hands a
    # resolver to answer with: a response whose status and headers it may set, or the socket.
    request: HTTPConnection | None = None
    response: Response | WebSocket | None = None
    # Errors a resolver reports while still returning data (e.g. an empty connection for a
    # vendor that cannot list); ``DeferredErrors`` adds them to the response.
    deferred_errors: list[GraphQLError] = field(default_factory=list)

    @property
    def client(self) -> Principal | None:
        """The authenticated client running this operation (``None`` before it is known)."""
        return current_client.get()

    @property
    def http_response(self) -> Response | None:
        """The response this operation may set a status or header on (none on a WebSocket)."""
        return self.response if isinstance(self.response, Response) else None


def gateway_context(value: object) -> GatewayContext | None:
    """An operation's context as the gateway made it; None for a schema run with another."""
    return value if isinstance(value, GatewayContext) else None


ContextGetter = Callable[
    [HTTPConnection | None, Response | WebSocket | None], Awaitable[GatewayContext]
]


def make_context(
    services: Services,
    request: HTTPConnection | None = None,
    response: Response | WebSocket | None = None,
) -> GatewayContext:
    """Must run inside the request's event loop: the loaders bind to it."""
    return GatewayContext(
        services=services, loaders=Loaders(services), request=request, response=response
    )


def make_context_getter(services: Services) -> ContextGetter:
    async def get_context(
        request: HTTPConnection | None, response: Response | WebSocket | None = None
    ) -> GatewayContext:
        return make_context(services, request, response)

    return get_context
