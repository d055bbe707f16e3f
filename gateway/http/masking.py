"""Error masking: only errors the gateway vouches for reach a client verbatim.

Anything else (a bug, an unexpected library exception) may carry a credential, an upstream URL
or a stack detail in its message, so the client sees a fixed message with code ``INTERNAL``; the
original is still logged server-side by Strawberry before masking.
"""

from __future__ import annotations

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
