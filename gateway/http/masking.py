"""Error masking: only errors the gateway vouches for reach a client verbatim.

Anything else (a bug, an unexpected library exception) may carry a credential, an upstream URL
or a stack detail in its message, so the client sees a fixed message with code ``INTERNAL``; the
original is still logged server-side by Strawberry before masking.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from gateway.errors import is_public_error

INTERNAL_ERROR_MESSAGE = "Internal error"
INTERNAL_ERROR_CODE = "INTERNAL"


def should_mask_error(error: GraphQLError) -> bool:
    return not is_public_error(error)


class GatewayMaskErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask_error, error_message=INTERNAL_ERROR_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": INTERNAL_ERROR_CODE},
        )


class ExpectedErrorsFilter(logging.Filter):
    """Keeps Strawberry's error log for failures worth a look.

    Strawberry logs every error of every operation at ERROR level, tracebacks included. Errors
    that are public (a client's syntax or validation mistake, a ``GatewayError`` the client was
    told about and the integration log already recorded) are dropped; masked ones, which are
    bugs, stay with their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, GraphQLError) and is_public_error(record.msg))


_EXPECTED_ERRORS_FILTER = ExpectedErrorsFilter()


def quiet_expected_errors() -> None:
    strawberry_logger = logging.getLogger("strawberry.execution")
    if _EXPECTED_ERRORS_FILTER not in strawberry_logger.filters:
        strawberry_logger.addFilter(_EXPECTED_ERRORS_FILTER)
