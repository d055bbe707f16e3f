"""A validation rule: every Float written into a document is finite.

graphql-core reads a literal beyond the double range (``1e400``) as infinity and lets it
through; JSON has no infinity, so the vendor would be sent null in its place. As a validation
rule the check is cached with the rest of a document's validation: no cost per request.
"""

from __future__ import annotations

import math
from typing import Any

from graphql import FloatValueNode, GraphQLError, ValidationRule

from gateway.http.request_body import clip


class FiniteFloatLiterals(ValidationRule):
    def enter_float_value(self, node: FloatValueNode, *_args: Any) -> None:
        if not math.isfinite(float(node.value)):
            self.report_error(
                GraphQLError(
                    f"Float cannot represent {clip(node.value, 40)}: it is beyond the range of "
                    "a double (about 1.8e308)",
                    node,
                )
            )
