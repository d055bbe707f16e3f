"""``extensions.code`` on every error, with Apollo Server's names where it has one.

Errors the gateway raises itself already carry a code; this extension gives one to the errors
graphql-core produces before execution: a document that does not parse, one that does not
validate, and variables that do not fit their types.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLSyntaxError, SubsequentIncrementalExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult, StreamExecutionResult

from gateway.guard.operation_choice import operation_not_found

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
# A request the HTTP layer refused before any operation ran (method, body, batch size).
BAD_REQUEST_CODE = "BAD_REQUEST"


def _code(error: GraphQLError) -> object:
    return (error.extensions or {}).get("code")


def set_code(errors: Iterable[GraphQLError], code: str) -> None:
    """Give ``code`` to each error that has none (validation errors are cached and shared, so
    this must stay idempotent)."""
    for error in errors:
        if _code(error) is None:
            error.extensions = {**(error.extensions or {}), "code": code}


# The request names no operation its document holds, or one of a type the transport does not
# run: a fault of the request itself, as over HTTP, where these answer 400.
_REQUEST_FAULTS = (CannotGetOperationTypeError, InvalidOperationTypeError)


def _code_request_errors(errors: Iterable[GraphQLError] | None) -> None:
    errors = list(errors or ())
    set_code((e for e in errors if isinstance(e, GraphQLSyntaxError)), PARSE_FAILED)
    set_code((e for e in errors if isinstance(e.original_error, _REQUEST_FAULTS)), BAD_REQUEST_CODE)
    for error in errors:
        if isinstance(error.original_error, CannotGetOperationTypeError):
            error.message = operation_not_found(error.original_error)
    # What is left without a path never reached a resolver: the variables did not coerce.
    set_code((e for e in errors if e.path is None), BAD_USER_INPUT)


class ErrorCodes(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        yield
        set_code(self.execution_context.pre_execution_errors or (), VALIDATION_FAILED)

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLSyntaxError as error:
            # A parser run inside another extension's hook (one with a token limit) raises
            # through the operation instead of returning its error.
            set_code([error], PARSE_FAILED)
            raise
        context = self.execution_context
        # Strawberry's annotation leaves out graphql-core's incremental results (@defer,
        # @stream), whose parts ``on_stream_result`` sees: only a whole result is read here.
        result = context.result
        whole = result if isinstance(result, GraphQLExecutionResult | ExecutionResult) else None
        _code_request_errors((whole.errors if whole else None) or context.pre_execution_errors)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        # Subscriptions (WebSocket, SSE) hand their results out here, after the operation;
        # an incremental delivery's later parts carry no errors of the request.
        if not isinstance(result, SubsequentIncrementalExecutionResult):
            _code_request_errors(result.errors)
        yield
