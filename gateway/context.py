"""The per-request GraphQL context."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

from gateway.auth.principal import Principal, current_client
from gateway.loaders import Loaders
from gateway.services import Services


@dataclass(eq=False)
class GatewayContext:
    services: Services
    loaders: Loaders
    request: Any = None
    response: Any = None
    # Errors a resolver reports while still returning data (e.g. an empty connection for a
    # vendor that cannot list); ``DeferredErrors`` adds them to the response.
    deferred_errors: list[GraphQLError] = field(default_factory=list)

    @property
    def client(self) -> Principal | None:
        """The authenticated client running this operation (``None`` before it is known)."""
        return current_client.get()


ContextGetter = Callable[[Any, Any], Awaitable[GatewayContext]]


def make_context(services: Services, request: Any = None, response: Any = None) -> GatewayContext:
    """Must run inside the request's event loop: the loaders bind to it."""
    return GatewayContext(
        services=services, loaders=Loaders(services), request=request, response=response
    )


def make_context_getter(services: Services) -> ContextGetter:
    async def get_context(request: Any, response: Any = None) -> GatewayContext:
        return make_context(services, request, response)

    return get_context
