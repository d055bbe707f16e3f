"""The schema extensions every request runs through: limits, caches and error masking."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from strawberry.extensions import (
    AddValidationRules,
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
    # The limiters create their rule classes when instantiated. The rule classes are part of
    # the validation cache's key, so they are made once here: limiters instantiated per request
    # would give every request a new key and the cache would never hit.
    limit_rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    return [
        # Token limit first: it bounds the parser's work before anything else runs.
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        # Adds the rules in on_operation, before any on_validate runs: the cache sees them.
        partial(AddValidationRules, limit_rules),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        GatewayMaskErrors,
    ]
