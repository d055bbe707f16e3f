"""What every operation runs through: size limits, parse and validation caches, error masking.

One Strawberry extension does all of it. Strawberry wraps every hook of every extension in a
fresh context manager on every request; as six stock extensions (token, depth and alias
limits, parser cache, validation cache, masking) those wrappers cost more than the work.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from functools import lru_cache, partial
from typing import Any, cast

from cachetools import LRUCache
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.execution import ExecutionResult as StrawberryExecutionResult

from gateway.http.masking import GatewayMaskErrors
from gateway.settings import QueryLimits

# Large enough for every distinct operation a set of frontends sends, small enough that a
# client sending unique query texts cannot grow memory without bound.
DOCUMENT_CACHE_SIZE = 1024

_PLAIN_RESULTS = (GraphQLExecutionResult, StrawberryExecutionResult)
ValidationKey = tuple[GraphQLSchema, str, tuple[type[ASTValidationRule], ...]]


class OperationPolicy:
    """The limits of one schema and its caches, shared by all of its requests.

    Validation is cached by query text: the document is parsed from that text, and hashing
    the text is cheap where hashing the document (as Strawberry's cache does) walks all of it.
    """

    def __init__(self, limits: QueryLimits, *, cache_size: int = DOCUMENT_CACHE_SIZE) -> None:
        self.max_tokens = limits.max_tokens
        self.rules: tuple[type[ASTValidationRule], ...] = (
            *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        )
        self.parse: Callable[..., DocumentNode] = lru_cache(maxsize=cache_size)(parse)
        self._validated: LRUCache[ValidationKey, list[GraphQLError]] = LRUCache(cache_size)
        self.validations = 0  # documents validated, i.e. validation cache misses

    def validate(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        if query is None:
            return validate_document(schema, document, rules)
        key = (schema, query, rules)
        errors = self._validated.get(key)
        if errors is None:
            self.validations += 1
            errors = self._validated[key] = validate_document(schema, document, rules)
        return errors


class OperationGuard(GatewayMaskErrors):
    """The policy applied to one request; masking comes from ``GatewayMaskErrors``."""

    def __init__(self, policy: OperationPolicy) -> None:
        super().__init__()
        self.policy = policy

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.policy.max_tokens
        context.validation_rules = (*context.validation_rules, *self.policy.rules)
        masking = cast(Generator[None, None, None], super().on_operation())
        next(masking)
        yield
        result: Any = context.result
        if isinstance(result, _PLAIN_RESULTS) and not result.errors:
            masking.close()  # nothing to mask on a clean result
            return
        next(masking, None)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.graphql_document = self.policy.parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = self.policy.validate(
            context.schema._schema,
            context.query,
            context.graphql_document,
            context.validation_rules,
        )
        yield


def schema_extensions(limits: QueryLimits) -> list[Callable[[], SchemaExtension]]:
    """Factories (one instance per request, as Strawberry ≥ 0.316 expects)."""
    return [partial(OperationGuard, OperationPolicy(limits))]
