"""The error an operation gets past a WebSocket's operation limit, on both protocols.

Strawberry caps the operations one connection runs at once (``max_subscriptions_per_connection``)
and answers one past the cap with a bare "Subscription limit reached": no ``extensions.code``,
which every other error a client sees carries, and nothing of the limit or the setting behind
it. These handlers answer it first, in the same message with the code and the limit; the
connection stays open as before.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLFormattedError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import ErrorMessage as LegacyErrorMessage
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage

from gateway.schema import BAD_REQUEST_CODE


def operation_limit_error(limit: int) -> GraphQLFormattedError:
    """The formatted error of an operation past a connection's ``limit``."""
    return GraphQLError(
        f"Subscription limit reached: one WebSocket runs at most {limit} operations at once "
        "(GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION); complete one, or open another connection",
        extensions={"code": BAD_REQUEST_CODE},
    ).formatted


class OperationLimitTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        limit = self.max_subscriptions_per_connection
        if (
            limit is not None
            and self.connection_acknowledged
            and message["id"] not in self.operations  # a duplicate id closes the socket
            and len(self.operations) >= limit
        ):
            error = operation_limit_error(limit)
            await self.send_message(ErrorMessage(id=message["id"], type="error", payload=[error]))
            return
        await super().handle_subscribe(message)


class OperationLimitGraphQLWSHandler(BaseGraphQLWSHandler[Any, Any]):
    async def handle_start(self, message: StartMessage) -> None:
        limit = self.max_subscriptions_per_connection
        if (
            limit is not None
            and self.connection_acknowledged
            and message["id"] not in self.tasks  # an id started again replaces its operation
            and len(self.tasks) >= limit
        ):
            error = operation_limit_error(limit)
            await self.send_message(
                LegacyErrorMessage(id=message["id"], type="error", payload=error)
            )
            return
        await super().handle_start(message)


def with_transport_ws_operation_limit(
    handler: type[BaseGraphQLTransportWSHandler[Any, Any]],
) -> type[BaseGraphQLTransportWSHandler[Any, Any]]:
    """``handler`` answering an operation past the limit with a coded error."""
    return type(handler.__name__, (OperationLimitTransportWSHandler, handler), {})


def with_graphql_ws_operation_limit(
    handler: type[BaseGraphQLWSHandler[Any, Any]],
) -> type[BaseGraphQLWSHandler[Any, Any]]:
    """``handler`` answering an operation past the limit with a coded error."""
    return type(handler.__name__, (OperationLimitGraphQLWSHandler, handler), {})
