"""Fused extensions against Strawberry running the same extensions one by one: the same hook
calls in the same order, the same results, the same exceptions."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from functools import partial
from typing import Any

import pytest
import strawberry
from graphql import GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.types import StreamExecutionResult

from gateway.schema.fused_extensions import FusedExtension, fused_extensions

Events = list[str]


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("resolver failed")


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[int, None]:
        for tick in range(2):
            yield tick


class Recording(SchemaExtension):
    def __init__(self, events: Events, name: str) -> None:
        super().__init__()
        self.events = events
        self.name = name

    def note(self, what: str) -> None:
        self.events.append(f"{self.name}.{what}")


class SyncHooks(Recording):
    def on_operation(self) -> Iterator[None]:
        self.note("operation:in")
        yield
        self.note(f"operation:out({self.execution_context.operation_name})")

    def on_parse(self) -> Iterator[None]:
        self.note("parse:in")
        yield
        self.note("parse:out")

    def on_execute(self) -> Iterator[None]:
        self.note("execute:in")
        yield
        self.note("execute:out")

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        self.note(f"stream:{getattr(result, 'data', None)}")
        yield


class AsyncHooks(Recording):
    async def on_validate(self) -> AsyncIterator[None]:
        self.note("validate:in")
        yield
        self.note("validate:out")

    def on_operation(self) -> Iterator[None]:
        self.note("operation:in")
        try:
            yield
        except Exception as error:
            self.note(f"operation:saw {type(error).__name__}")
            raise
        self.note("operation:out")

    def get_results(self) -> dict[str, Any]:
        return {self.name: True}


class PlainHooks(Recording):
    def on_execute(self) -> None:  # type: ignore[override]
        self.note("execute:called")

    async def on_parse(self) -> None:  # type: ignore[override]
        self.note("parse:awaited")

    async def get_results(self) -> dict[str, Any]:
        return {self.name: "async"}


class FailsAfterParse(Recording):
    def on_parse(self) -> Iterator[None]:
        yield
        raise GraphQLSyntaxError(None, 0, "too many tokens")  # type: ignore[arg-type]


class SwallowsOnValidate(Recording):
    def on_validate(self) -> Iterator[None]:
        try:
            yield
        except RuntimeError:
            self.note("validate:swallowed")


class RaisesOnValidateExit(Recording):
    def on_validate(self) -> Iterator[None]:
        yield
        raise RuntimeError("after validation")


class NeverYields(Recording):
    def on_execute(self) -> Iterator[None]:
        return
        yield


Factory = Callable[[], SchemaExtension]


def factories(events: Events, *kinds: type[Recording]) -> list[Factory]:
    return [partial(kind, events, f"{kind.__name__}{n}") for n, kind in enumerate(kinds)]


async def outcome(kinds: Sequence[type[Recording]], fused: bool, query: str) -> tuple[Any, ...]:
    events: Events = []
    made = factories(events, *kinds)
    specs: list[Factory] = [fused_extensions(made)] if fused else made
    schema = strawberry.Schema(query=Query, subscription=Subscription, extensions=specs)
    try:
        result = await schema.execute(query, operation_name=None)
    except Exception as error:
        return (events, type(error).__name__, str(error))
    errors = [(e.message, e.extensions) for e in result.errors or ()]
    return (events, result.data, errors, result.extensions)


CASES = [
    (SyncHooks, AsyncHooks, PlainHooks),
    (AsyncHooks, SyncHooks, SyncHooks),
    (PlainHooks, SyncHooks),
    (AsyncHooks, FailsAfterParse),
    (SwallowsOnValidate, RaisesOnValidateExit, SyncHooks),
    (AsyncHooks, RaisesOnValidateExit),
    (SyncHooks, NeverYields),
]


@pytest.mark.parametrize("kinds", CASES, ids=lambda kinds: "-".join(k.__name__ for k in kinds))
@pytest.mark.parametrize(
    "query", ["query Named { hello }", "{ broken }", "{ nope }", "{ hello", "query A { hello }"]
)
async def test_fused_runs_like_strawberry_one_by_one(
    kinds: tuple[type[Recording], ...], query: str
) -> None:
    alone = await outcome(kinds, fused=False, query=query)
    together = await outcome(kinds, fused=True, query=query)
    assert together == alone
    assert alone[0], "the hooks ran"


async def test_each_stream_result_is_seen_by_the_parts_that_ask() -> None:
    seen: dict[bool, Events] = {}
    for fused in (False, True):
        events: Events = []
        made = factories(events, SyncHooks, AsyncHooks, SyncHooks)
        specs: list[Factory] = [fused_extensions(made)] if fused else made
        schema = strawberry.Schema(query=Query, subscription=Subscription, extensions=specs)
        stream = await schema.subscribe("subscription { ticks }")
        assert not isinstance(stream, strawberry.types.ExecutionResult)
        async for result in stream:
            events.append(f"got {result.data}")
        seen[fused] = events
    assert seen[True] == seen[False]
    assert "SyncHooks2.stream:{'ticks': 1}" in seen[True]


async def test_the_parts_see_the_execution_context() -> None:
    events: Events = []
    fuse = fused_extensions(factories(events, SyncHooks, SyncHooks))
    schema = strawberry.Schema(query=Query, extensions=[fuse])
    await schema.execute("query Named { hello }")
    assert events.count("SyncHooks0.operation:out(Named)") == 1
    assert events.count("SyncHooks1.operation:out(Named)") == 1


def test_one_class_per_combination_of_parts() -> None:
    events: Events = []
    fuse = fused_extensions(factories(events, SyncHooks, AsyncHooks))
    first, second = fuse(), fuse()
    assert isinstance(first, FusedExtension)
    assert type(first) is type(second)
    assert first is not second
    assert type(fused_extensions(factories(events, AsyncHooks, SyncHooks))()) is not type(first)


def test_a_part_wrapping_every_field_is_refused() -> None:
    class Wrapping(SchemaExtension):
        def resolve(
            self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
        ) -> Any:
            return _next(root, info, *args, **kwargs)

    with pytest.raises(TypeError, match="Wrapping"):
        fused_extensions([Wrapping])()
