"""Adds the errors resolvers reported alongside data (``GatewayContext.deferred_errors``)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension

from gateway.context import GatewayContext


class DeferredErrors(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        if not isinstance(context, GatewayContext) or not context.deferred_errors:
            return
        if not isinstance(result, ExecutionResult):
            return
        result.errors = [*(result.errors or []), *context.deferred_errors]
        context.deferred_errors.clear()
