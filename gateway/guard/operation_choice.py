"""Which operation of a document a request runs, when it does not name one.

The GraphQL spec (GetOperation) runs the only operation of a document, and makes a document
with several a request error unless ``operationName`` picks one. Strawberry instead runs the
first operation, so a client that forgot the name would get the answer to a question it may
not have meant to ask, or a mutation it did not name would write.
"""

from __future__ import annotations

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode
from strawberry.schema.exceptions import CannotGetOperationTypeError

from gateway.errors import GatewayError

OPERATION_NAME_NEEDED = (
    "The document holds several operations: name the one to run in `operationName`"
)

NO_OPERATION = (
    "The document holds no operation to run: send a query, mutation or subscription "
    "(fragments and type definitions alone run nothing)"
)


def operation_not_found(error: CannotGetOperationTypeError) -> str:
    """What a client is told when the operation to run is not in the document: Strawberry's
    "Can't get GraphQL operation type" for a document without any says nothing of why."""
    return NO_OPERATION if error.operation_name is None else error.as_http_error_reason()


def unnamed_operation_error(
    document: DocumentNode, operation_name: str | None
) -> GraphQLError | None:
    """The request error for a document of several operations sent without a name, else None."""
    if operation_name is not None:
        return None
    operations = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            operations += 1
            if operations > 1:
                # A fault of the request itself, as an unknown operationName is (BAD_REQUEST).
                return GatewayError(OPERATION_NAME_NEEDED).as_graphql_error()
    return None
