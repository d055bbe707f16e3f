"""What every operation runs through: size limits, parse and validation caches, error masking.

One Strawberry extension does all of it. Strawberry wraps every hook of every extension in a
fresh context manager on every request; as six stock extensions (token, depth and alias
limits, parser cache, validation cache, masking) those wrappers cost more than the work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from functools import lru_cache, partial
from typing import Any, cast

from cachetools import LRUCache
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    parse,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.execution import ExecutionResult as StrawberryExecutionResult

from gateway.client_identity import client_identity
from gateway.context import gateway_context
from gateway.documents import cacheable
from gateway.guard.admission import COST_EXTENSION, Admission, Refused, cost_report
from gateway.guard.budget import TimeBudget
from gateway.guard.float_literals import FiniteFloatLiterals
from gateway.guard.meter import CURRENT_METER, RequestMeter
from gateway.guard.operation_choice import unnamed_operation_error
from gateway.guard.shape import ShapeLimits, check_shape
from gateway.guard.shares import ClientShares
from gateway.http.masking import GatewayMaskErrors
from gateway.settings import ClientLimits, QueryLimits

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

    def __init__(
        self,
        limits: QueryLimits,
        *,
        cache_size: int = DOCUMENT_CACHE_SIZE,
        introspection: bool = True,
        shares: ClientShares | None = None,
    ) -> None:
        self.limits = limits
        self.max_tokens = limits.max_tokens
        self.shape_limits = ShapeLimits(limits.max_depth, limits.max_aliases, limits.max_complexity)
        self.rules: tuple[type[ASTValidationRule], ...] = (
            FiniteFloatLiterals,
            *(() if introspection else (NoSchemaIntrospectionCustomRule,)),
        )
        self.admission = Admission(limits, shares or ClientShares(ClientLimits()))
        self._parse_cached: Callable[..., DocumentNode] = lru_cache(maxsize=cache_size)(parse)
        self._validated: LRUCache[ValidationKey, list[GraphQLError]] = LRUCache(cache_size)
        self.validations = 0  # documents validated, i.e. validation cache misses

    def parse(self, query: str, **options: Any) -> DocumentNode:
        # The caches hold the text as their key: a long one is parsed and validated afresh.
        if cacheable(query):
            return self._parse_cached(query, **options)
        return parse(query, **options)

    def validate(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        if query is None or not cacheable(query):
            return self._validate(schema, document, rules)
        key = (schema, query, rules)
        errors = self._validated.get(key)
        if errors is None:
            self.validations += 1
            errors = self._validated[key] = self._validate(schema, document, rules)
        return errors

    def _validate(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        # The gateway's own checks first, within a time budget: a document they refuse never
        # reaches graphql-core's rules, whose cost grows with what the document expands to.
        budget = TimeBudget(self.limits.validation_budget_ms)
        return check_shape(document, self.shape_limits, budget) or validate_document(
            schema, document, rules
        )


class OperationGuard(GatewayMaskErrors):
    """The policy applied to one request; masking comes from ``GatewayMaskErrors``."""

    def __init__(self, policy: OperationPolicy) -> None:
        super().__init__()
        self.policy = policy
        self.meter: RequestMeter | None = None

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.policy.max_tokens
        context.validation_rules = (*context.validation_rules, *self.policy.rules)
        masking = cast(Generator[None, None, None], super().on_operation())
        next(masking)
        yield
        if self.meter is not None:
            self.meter.open = False
        result: Any = context.result
        if isinstance(result, _PLAIN_RESULTS) and not result.errors:
            masking.close()  # nothing to mask on a clean result
            return
        next(masking, None)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            try:
                context.graphql_document = self.policy.parse(context.query, **context.parse_options)
            except GraphQLError:
                # Raised from a hook, the error would escape Strawberry's handling on streams
                # (WebSocket, SSE) and end them without an answer. Left unparsed, the document
                # is parsed again by Strawberry, which reports the error on every transport.
                # (A try costs nothing on the way that parses, unlike contextlib.suppress.)
                context.graphql_document = None
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        errors = self.policy.validate(
            context.schema._schema,
            context.query,
            context.graphql_document,
            context.validation_rules,
        )
        if not errors:
            # The name as the client sent it: ``operation_name`` falls back to the first one's.
            sent_name = context._provided_operation_name
            unnamed = unnamed_operation_error(context.graphql_document, sent_name)
            errors = [unnamed] if unnamed is not None else await self._admit()
        context.pre_execution_errors = errors
        yield

    async def _admit(self) -> list[GraphQLError]:
        context = self.execution_context
        assert context.graphql_document is not None
        operation_context = gateway_context(context.context)
        connection = operation_context.request if operation_context is not None else None
        verdict = await self.policy.admission.admit(
            context.schema._schema,
            context.graphql_document,
            context.variables,
            context.operation_name,
            client_identity(connection),
            query=context.query,
        )
        if isinstance(verdict, Refused):
            response = operation_context.http_response if operation_context is not None else None
            if verdict.retry_after_s is not None and response is not None:
                response.status_code = 429
                response.headers["Retry-After"] = str(verdict.retry_after_s)
            return verdict.errors
        self.meter = verdict.meter
        CURRENT_METER.set(verdict.meter)
        return []

    def get_results(self) -> dict[str, Any]:
        asked = self.execution_context.operation_extensions or {}
        if not asked.get(COST_EXTENSION):
            return {}
        return cost_report(self.meter, self.policy.limits)


def schema_extensions(
    limits: QueryLimits, *, introspection: bool = True, shares: ClientShares | None = None
) -> list[Callable[[], SchemaExtension]]:
    """Factories (one instance per request, as Strawberry ≥ 0.316 expects)."""
    policy = OperationPolicy(limits, introspection=introspection, shares=shares)
    return [partial(OperationGuard, policy)]
