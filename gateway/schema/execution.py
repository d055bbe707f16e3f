"""The execution context every operation runs in: Strawberry's, without a reference cycle.

graphql-core gives each executor helpers that are bound methods of the executor itself. That
cycle keeps the whole execution (field plans, resolve infos, the result tree) alive after the
request until the cycle collector runs, and that collection was a good part of the gateway's
CPU. With the helpers holding the executor weakly, reference counting frees it all at once.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql import GraphQLResolveInfoHelpers
from graphql.pyutils import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _helpers(weakref.ref(self))


def _helpers(executor: weakref.ref[GatewayExecutionContext]) -> GraphQLResolveInfoHelpers:
    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return gather_with_cancel(*values)

    def track(values: Sequence[Any]) -> None:
        # Resolvers run while their executor does, so it is always there to ask.
        alive = executor()
        if alive is not None:
            alive.track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)
