"""The execution context every operation runs in: Strawberry's, without a reference cycle,
and with a short way for plain leaf fields.

graphql-core gives each executor helpers that are bound methods of the executor itself. That
cycle keeps the whole execution (field plans, resolve infos, the result tree) alive after the
request until the cycle collector runs, and that collection was a good part of the gateway's
CPU. With the helpers holding the executor weakly, reference counting frees it all at once.

A plain leaf field (``leaf_fields``) is read and serialised here directly: the general way
builds a resolve info and walks the value completion for each of them, which was most of the
CPU of a page of orders. Whenever the short way meets anything but a plain value (null on a
non-null field, an error, a value its type refuses) the field goes the general way, which
reports it exactly as before.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfoHelpers, Undefined
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.schema.leaf_fields import NOT_PLAIN, LeafFields, leaf_fields


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _helpers(weakref.ref(self))
        middleware = self.middleware_manager
        # Middleware wraps every resolver: then no field may skip its resolver.
        self.leaf_fields: LeafFields = (
            leaf_fields(self.schema) if middleware is None or not middleware.middlewares else {}
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields``, with plain leaves answered in place: no path,
        resolve info or awaitable check for them. The rest is graphql-core's own."""
        leaves = self.leaf_fields
        type_name = parent_type.name
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                leaf = leaves.get((type_name, field_details_list[0].node.name.value))
                if leaf is not None:
                    value = leaf.read(source_value)
                    if value is not NOT_PLAIN:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, type_name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                # Awaitables of other fields must still settle: they may fail too.
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _awaited(results, awaitable_fields)


async def _awaited(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    if len(awaitable_fields) == 1:
        field = awaitable_fields[0]
        results[field] = await results[field]
    else:
        awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results


def _helpers(executor: weakref.ref[GatewayExecutionContext]) -> GraphQLResolveInfoHelpers:
    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return gather_with_cancel(*values)

    def track(values: Sequence[Any]) -> None:
        # Resolvers run while their executor does, so it is always there to ask.
        alive = executor()
        if alive is not None:
            alive.track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)
