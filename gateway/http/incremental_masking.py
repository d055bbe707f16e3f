"""Error masking for the payloads of ``@defer``/``@stream`` after the first.

Strawberry masks the errors of a result it returns, but the later payloads of incremental
delivery come straight from graphql-core: their errors (in ``incremental`` and ``completed``)
are masked here before any transport sends them, with the same rule as every other error.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, SubsequentIncrementalExecutionResult

from gateway.http.masking import GatewayMaskErrors, should_mask_error

_MASKING = GatewayMaskErrors()


def _masked(errors: list[GraphQLError] | None) -> list[GraphQLError] | None:
    if not errors:
        return errors
    return [_MASKING.anonymise_error(e) if should_mask_error(e) else e for e in errors]


def mask_incremental(result: Any) -> None:
    """Mask, in place, the errors of one subsequent incremental payload (others pass)."""
    if not isinstance(result, SubsequentIncrementalExecutionResult):
        return
    for part in [*(result.incremental or ()), *(result.completed or ())]:
        part.errors = _masked(part.errors)
