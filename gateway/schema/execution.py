"""The execution context every operation runs in: Strawberry's, without a reference cycle,
and with a short way for plain fields.

graphql-core gives each executor helpers that are bound methods of the executor itself. That
cycle keeps the whole execution (field plans, resolve infos, the result tree) alive after the
request until the cycle collector runs, and that collection was a good part of the gateway's
CPU. With the helpers holding the executor weakly, reference counting frees it all at once.

A plain field (``plain_fields``) is read and serialised here directly, and so is a plain object
field whose selection is all plain leaves (an order's lines with their SKUs and prices): the
general way builds a resolve info and walks the value completion for each of them, which was
most of the CPU of a page of orders. Whenever the short way meets anything but a plain value
(null on a non-null field, an error, a value its type refuses) the field goes the general way,
which reports it exactly as before.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Awaitable, Sequence
from functools import partial
from typing import Any, cast

from graphql import (
    ExecutionResult,
    ExperimentalIncrementalExecutionResults,
    GraphQLObjectType,
    GraphQLResolveInfoHelpers,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from starlette.websockets import WebSocket
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from adapters.transport import Deadline, fresh_deadline
from gateway.context import gateway_context
from gateway.errors import BadUserInput
from gateway.loaders import Loaders
from gateway.schema.operation_deadline import execute_under
from gateway.schema.plain_fields import (
    NO_PLAIN_FIELDS,
    NOT_PLAIN,
    LeafField,
    ObjectField,
    plain_fields,
)


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _helpers(weakref.ref(self))
        context = gateway_context(self.context_value)
        # The deadline of this operation's vendor calls, when it is not the request's own.
        self.vendor_deadline: Deadline | None = None
        if context is not None and isinstance(context.response, WebSocket):
            # One context serves every operation of the connection: each operation gets loaders
            # of its own. Shared, the operations running at once would batch their reads
            # together, each batch queueing under the deadline of whichever operation asked
            # first, and stopping that operation would refuse the other's reads.
            self.context_value = dataclasses.replace(context, loaders=Loaders(context.services))
            self.vendor_deadline = fresh_deadline()
        middleware = self.middleware_manager
        # Middleware wraps every resolver: then no field may skip its resolver.
        self.plain_fields = (
            plain_fields(self.schema)
            if middleware is None or not middleware.middlewares
            else NO_PLAIN_FIELDS
        )
        # Per selection (kept alive by graphql-core's own memo of collected subfields): its
        # leaves in order, or None when it selects anything else.
        self._leaf_selections: dict[int, list[tuple[str, LeafField]] | None] = {}

    def build_per_event_executor(self, payload: Any) -> GatewayExecutionContext:
        """graphql-core's copy of a subscription's executor for one event, with memos of its
        own: shared, graphql-core's memo of collected subfields (and ours of leaf selections)
        are keyed on each event's own field lists and would keep every event's for as long
        as the subscription runs. An event collects its fields anew in either case."""
        executor = cast(GatewayExecutionContext, super().build_per_event_executor(payload))
        executor._relevant_sub_fields = {}
        executor._leaf_selections = {}
        executor.forget_reads()
        executor.vendor_deadline = fresh_deadline()
        return executor

    def execute_operation(
        self, serially: bool | None = None
    ) -> AwaitableOrValue[ExecutionResult | ExperimentalIncrementalExecutionResults]:
        if self.vendor_deadline is None:  # an HTTP request's operation: its request's deadline
            return super().execute_operation(serially)
        return execute_under(  # type: ignore[no-any-return]
            self.vendor_deadline, partial(super().execute_operation, serially), self.is_awaitable
        )

    def forget_reads(self) -> None:
        """Each event of a subscription reads the vendors anew."""
        context = gateway_context(self.context_value)
        if context is not None:
            context.loaders.forget()

    def get_stream_usage(self, field_details_list: FieldDetailsList, path: Path) -> Any:
        """graphql-core's, with a negative ``initialCount`` reported as the client's mistake:
        graphql-core raises a plain ValueError, which would be masked as an internal error."""
        try:
            return super().get_stream_usage(field_details_list, path)
        except ValueError:
            raise BadUserInput("@stream's initialCount must be 0 or more") from None

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's ``execute_fields``, with plain fields answered in place: no path,
        resolve info or awaitable check for them. The rest is graphql-core's own."""
        leaves = self.plain_fields.leaves
        objects = self.plain_fields.objects
        type_name = parent_type.name
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                key = (type_name, field_details_list[0].node.name.value)
                leaf = leaves.get(key)
                if leaf is not None:
                    value = leaf.read(source_value)
                    if value is not NOT_PLAIN:
                        results[response_name] = value
                        continue
                else:
                    nested = objects.get(key)
                    # Under @defer (a position context) the general way plans the delivery.
                    if nested is not None and position_context is None:
                        value = self._plain_objects(nested, source_value, field_details_list)
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

    def _plain_objects(
        self, nested: ObjectField, source: Any, field_details_list: FieldDetailsList
    ) -> Any:
        """An object field (or list of objects) whose selection is all plain leaves, answered
        in one pass; ``NOT_PLAIN`` for anything the general way must see."""
        selection = self._leaf_selection(nested.object_type, field_details_list)
        if selection is None:
            return NOT_PLAIN
        try:
            value = getattr(source, nested.attribute)
        except Exception:  # the general way reports it
            return NOT_PLAIN
        if value is None:
            return NOT_PLAIN if nested.non_null else None
        if not nested.is_list:
            return _read_leaves(selection, value)
        if not isinstance(value, list | tuple):
            return NOT_PLAIN
        items = []
        for item in value:
            answer = _read_leaves(selection, item)
            if answer is NOT_PLAIN:
                return NOT_PLAIN
            items.append(answer)
        return items

    def _leaf_selection(
        self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> list[tuple[str, LeafField]] | None:
        if any(details.node.directives for details in field_details_list):
            return None  # e.g. @stream: the general way handles it
        grouped_field_set, defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if defer_usages:
            return None
        key = id(grouped_field_set)
        if key in self._leaf_selections:
            return self._leaf_selections[key]
        leaves = self.plain_fields.leaves
        found = [
            (response_name, leaves.get((object_type.name, details[0].node.name.value)))
            for response_name, details in grouped_field_set.items()
        ]
        selection = [(name, leaf) for name, leaf in found if leaf is not None]
        plain = selection if len(selection) == len(found) else None
        self._leaf_selections[key] = plain
        return plain


def _read_leaves(selection: list[tuple[str, LeafField]], source: Any) -> Any:
    # An error as the value, or a null item of a list of non-null objects, is no object: the
    # general way reports it, even where a selection could be read from it (an error's own
    # attributes) or reads nothing (every field skipped).
    if source is None or source is Undefined or isinstance(source, Exception):
        return NOT_PLAIN
    answer: dict[str, Any] = {}
    for response_name, leaf in selection:
        value = leaf.read(source)
        if value is NOT_PLAIN:
            return NOT_PLAIN
        answer[response_name] = value
    return answer


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
