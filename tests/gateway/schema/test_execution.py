"""GatewayExecutionContext: an operation's execution state is freed by reference counting, and a
subscription keeps none of its events' execution state."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncGenerator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.schema.execution import GatewayExecutionContext

executors: list[weakref.ref[Any]] = []


class RecordedGateway(GatewayExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        executors.append(weakref.ref(self))


class RecordedStock(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        executors.append(weakref.ref(self))


@strawberry.type
class Item:
    name: str


@strawberry.type
class Query:
    @strawberry.field
    async def items(self, info: strawberry.Info) -> list[Item]:
        # A resolver using the executor's helpers while it runs.
        async def named(name: str) -> Item:
            await asyncio.sleep(0)
            return Item(name=name)

        return list(await info._raw_info.async_helpers.gather([named("a"), named("b")]))


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    executors.clear()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_the_executor_is_freed_as_soon_as_the_operation_ends(
    no_cycle_collector: None,
) -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=RecordedGateway)
    result = await schema.execute("{ items { name } }")
    assert result.errors is None
    assert result.data == {"items": [{"name": "a"}, {"name": "b"}]}
    del result
    assert len(executors) == 1
    assert executors[0]() is None


async def test_without_it_the_executor_waits_for_the_cycle_collector(
    no_cycle_collector: None,
) -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=RecordedStock)
    assert (await schema.execute("{ items { name } }")).errors is None
    assert executors[0]() is not None
    gc.collect()
    assert executors[0]() is None


@strawberry.type
class Event:
    n: int
    items: list[Item]


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self, count: int) -> AsyncGenerator[Event, None]:
        for n in range(count):
            yield Event(n=n, items=[Item(name=f"item {n}")])


def _memo_entries(executor: Any) -> int:
    # graphql-core's memo of collected subfields, and ours of plain leaf selections.
    return len(executor._relevant_sub_fields) + len(executor._leaf_selections)


async def test_a_subscription_keeps_nothing_of_its_events() -> None:
    """graphql-core runs each event on a copy of the subscription's executor; the memos the
    copies share are keyed on each event's own field lists, so a subscription that runs for
    days would keep every event's collected fields."""
    executors.clear()
    schema = strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=RecordedGateway
    )
    stream = await schema.subscribe("subscription { events(count: 60) { n items { name } } }")
    assert not isinstance(stream, strawberry.types.ExecutionResult)
    kept: dict[int, int] = {}
    async for result in stream:
        assert result.errors is None
        assert result.data is not None
        n = result.data["events"]["n"]
        assert result.data == {"events": {"n": n, "items": [{"name": f"item {n}"}]}}
        subscription = executors[0]()
        assert subscription is not None
        kept[n] = _memo_entries(subscription)
    assert len(kept) == 60
    assert kept[59] == kept[9]
