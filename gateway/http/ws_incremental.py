"""@defer and @stream over graphql-transport-ws.

Strawberry refuses incremental delivery on a WebSocket, since the protocol's ``next`` message
has no field of its own for it. Clients that read incremental payloads (urql, Apollo Client)
read them from ``next`` messages in the same shape as over HTTP, so each payload goes out as one
``next`` message in graphql-core's format (``pending`` / ``incremental`` / ``completed``,
``hasNext``), and ``complete`` follows the last.
"""

from __future__ import annotations

from typing import Any

from graphql import InitialIncrementalExecutionResult, SubsequentIncrementalExecutionResult
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from gateway.http.incremental_masking import mask_incremental

_INCREMENTAL = (InitialIncrementalExecutionResult, SubsequentIncrementalExecutionResult)


class IncrementalTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    async def _send_result_stream(self, operation: Operation[Any, Any], result_source: Any) -> None:
        is_first_result = True
        async for result in result_source:
            if is_first_result and isinstance(result, PreExecutionError):
                await self._handle_pre_execution_error(operation, result)
                return
            is_first_result = False
            if isinstance(result, _INCREMENTAL):
                mask_incremental(result)
                # The protocol's NextMessage type only knows plain results.
                message: Any = {"id": operation.id, "type": "next", "payload": result.formatted}
                await operation.send_operation_message(message)
            elif isinstance(result, ExecutionResult):
                await operation.send_next(result)
            else:
                await self._reject_incremental_delivery(operation)
                return

    async def _handle_pre_execution_error(
        self, operation: Operation[Any, Any], result: PreExecutionError
    ) -> None:
        # An operation name the document does not hold fails that operation, as graphql-ws's
        # reference server answers it; Strawberry closed the socket (4400), and with it every
        # other subscription a client multiplexes on it.
        assert result.errors
        if isinstance(result.errors[0].original_error, CannotGetOperationTypeError):
            await operation.send_initial_errors(result.errors)
            return
        await super()._handle_pre_execution_error(operation, result)


def with_incremental_delivery(
    handler: type[BaseGraphQLTransportWSHandler[Any, Any]],
) -> type[BaseGraphQLTransportWSHandler[Any, Any]]:
    """``handler`` with incremental payloads sent as ``next`` messages."""
    return type(handler.__name__, (IncrementalTransportWSHandler, handler), {})
