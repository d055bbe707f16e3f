"""The schema extensions every request runs through: limits, caches and error masking."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from gateway.http.masking import GatewayMaskErrors
from gateway.settings import QueryLimits

# Large enough for every distinct operation a set of frontends sends, small enough that a
# client sending unique query texts cannot grow memory without bound.
DOCUMENT_CACHE_SIZE = 1024


def schema_extensions(limits: QueryLimits) -> list[Callable[[], SchemaExtension]]:
    """Factories (one instance per request, as Strawberry ≥ 0.316 expects)."""
    return [
        # Token limit first: it bounds the parser's work before anything else runs.
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(QueryDepthLimiter, max_depth=limits.max_depth),
        partial(MaxAliasesLimiter, max_alias_count=limits.max_aliases),
        GatewayMaskErrors,
    ]
