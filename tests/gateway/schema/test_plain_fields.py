"""Plain leaf fields take the executor's short way, and answer exactly as the general way does."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, cast

import pytest
import strawberry
from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from gateway.schema import build_schema
from gateway.schema.execution import GatewayExecutionContext
from gateway.schema.plain_fields import plain_fields


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Tag:
    label: str
    weight: int | None = None


@strawberry.type
class Item:
    name: str
    count: int
    price: float | None
    colour: Colour | None
    seen_at: datetime | None
    data: JSON | None
    must: str
    code: int | None
    tags: list[Tag] = strawberry.field(default_factory=list)
    main_tag: Tag | None = None
    maybe_tags: list[Tag | None] = strawberry.field(default_factory=list)

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


class Weird:
    """A source whose attributes are no plain values: the general way must report them."""

    name = "weird"
    count = 1
    price = None
    colour = Colour.BLUE
    seen_at = None
    data = ValueError("an error as a value")
    must = None
    code = "not a number"
    tags = [Tag(label="ok"), None, Tag(label="after a null")]
    main_tag = Tag(label=None, weight=3)  # type: ignore[arg-type]
    maybe_tags = [None, Tag(label="x")]

    @property
    def shout(self) -> str:
        return "WEIRD"


class TagError(Exception):
    """An error as a value that happens to carry what a ``Tag`` selection reads."""

    label = "not a tag"
    weight = 0


class Broken(Weird):
    """Object values no selection may answer: an error, and a null item in ``[Tag!]!``."""

    tags = [Tag(label="ok"), None]
    main_tag = TagError("the tag could not be read")  # type: ignore[assignment]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Item(
                name="a",
                count=2,
                price=1.5,
                colour=Colour.RED,
                seen_at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
                data=cast(JSON, {"k": [1, "x"]}),
                must="here",
                code=7,
                tags=[Tag(label="new", weight=1), Tag(label="sale")],
                main_tag=Tag(label="new", weight=1),
                maybe_tags=[Tag(label="y"), None],
            ),
            Item(
                name="b",
                count=0,
                price=None,
                colour=None,
                seen_at=None,
                data=None,
                must="there",
                code=None,
            ),
        ]

    @strawberry.field
    def weird(self) -> Item | None:
        return Weird()  # type: ignore[return-value]

    @strawberry.field
    def broken(self) -> Item | None:
        return Broken()  # type: ignore[return-value]


QUERY = """{
  items { name count price colour seenAt data must code shout }
  weird { name count price colour seenAt data code shout }
}"""
NON_NULL_QUERY = "{ weird { name must } }"
ALL_LEAVES_QUERY = "{ items { name count } weird { name data colour } }"
NESTED_QUERY = """{
  items { name tags { label weight } mainTag { label } maybeTags { label } }
  weird { tags { label } }
  again: weird { mainTag { label weight } maybeTags { weight } }
}"""

# Object values that are an error, or a null item of a list of non-null objects: with a
# selection the error's own attributes answer, or one whose every field is skipped.
BROKEN_QUERY = """query Broken($no: Boolean = false) {
  broken { mainTag { label weight } }
  skipped: broken { mainTag { label @include(if: $no) } }
  tagless: broken { tags { label @include(if: $no) } }
  again: weird { count }
}"""


class CountingGateway(GatewayExecutionContext):
    infos: list[str] = []
    fields: list[str] = []

    def execute_field(self, parent_type: Any, source: Any, details: Any, *args: Any) -> Any:
        CountingGateway.fields.append(f"{parent_type.name}.{details[0].node.name.value}")
        return super().execute_field(parent_type, source, details, *args)

    def build_resolve_info(self, *args: Any, **kwargs: Any) -> GraphQLResolveInfo[Any]:
        info = super().build_resolve_info(*args, **kwargs)
        CountingGateway.infos.append(f"{info.parent_type.name}.{info.field_name}")
        return info


async def test_objects_of_plain_leaves_are_answered_in_one_pass() -> None:
    """Pins graphql-core's ``execute_fields`` hook: an object whose selection is all plain
    leaves never reaches the per-field step."""
    schema = strawberry.Schema(query=Query, execution_context_class=CountingGateway)
    CountingGateway.fields = []
    result = await schema.execute("{ items { name count colour } }")
    assert result.errors is None
    assert result.data == {
        "items": [
            {"name": "a", "count": 2, "colour": "RED"},
            {"name": "b", "count": 0, "colour": None},
        ]
    }
    assert CountingGateway.fields == ["Query.items"]


async def test_objects_of_plain_leaves_inside_objects_are_answered_in_one_pass() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=CountingGateway)
    CountingGateway.fields = []
    result = await schema.execute("{ items { tags { label weight } mainTag { label } } }")
    assert result.errors is None
    assert result.data == {
        "items": [
            {
                "tags": [{"label": "new", "weight": 1}, {"label": "sale", "weight": None}],
                "mainTag": {"label": "new"},
            },
            {"tags": [], "mainTag": None},
        ]
    }
    assert CountingGateway.fields == ["Query.items"]
    # A selection with anything but plain leaves goes the general way.
    CountingGateway.fields = []
    result = await schema.execute("{ items { tags { label __typename } } }")
    assert result.errors is None
    assert CountingGateway.fields.count("Item.tags") == 2


def _answer(result: Any) -> tuple[Any, list[tuple[str, Any]]]:
    errors = [(error.message, error.path) for error in result.errors or ()]
    return result.data, sorted(errors, key=str)


MERGED_QUERY = """query Merged($yes: Boolean = true, $no: Boolean = false) {
  items {
    tags { label }
    tags { weight label @include(if: $no) }
    first: mainTag { l: label weight @include(if: $yes) }
    second: mainTag @skip(if: $no) { label }
    ... on Item { tags { label } }
  }
}"""


@pytest.mark.parametrize(
    "query", [QUERY, NON_NULL_QUERY, ALL_LEAVES_QUERY, NESTED_QUERY, MERGED_QUERY, BROKEN_QUERY]
)
async def test_the_short_way_answers_as_the_general_way(query: str) -> None:
    stock = strawberry.Schema(
        query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext
    )
    gateway = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    expected = _answer(await stock.execute(query))
    assert _answer(await gateway.execute(query)) == expected
    assert expected[0], "the query should answer data"
    if query is not MERGED_QUERY:
        # The comparison covers the failures the general way reports, not only clean values.
        assert expected[1], "the query should meet errors"


async def test_the_sample_values_come_back_serialised() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=GatewayExecutionContext)
    result = await schema.execute("{ items { name count price colour seenAt data code } }")
    assert result.errors is None
    assert result.data == {
        "items": [
            {
                "name": "a",
                "count": 2,
                "price": 1.5,
                "colour": "RED",
                "seenAt": "2026-11-29T12:00:00+00:00",
                "data": {"k": [1, "x"]},
                "code": 7,
            },
            {
                "name": "b",
                "count": 0,
                "price": None,
                "colour": None,
                "seenAt": None,
                "data": None,
                "code": None,
            },
        ]
    }


async def test_plain_leaves_build_no_resolve_info() -> None:
    """Pins graphql-core's ``execute_field`` hook: were it renamed, every field would build
    its resolve info again and this fails."""
    schema = strawberry.Schema(query=Query, execution_context_class=CountingGateway)
    CountingGateway.infos, CountingGateway.fields = [], []
    result = await schema.execute("{ items { name count colour shout } }")
    assert result.errors is None
    assert CountingGateway.infos == ["Query.items", "Item.shout", "Item.shout"]
    assert CountingGateway.fields == ["Query.items", "Item.shout", "Item.shout"]


async def test_middleware_sees_every_field() -> None:
    """An extension that wraps every resolver (``resolve``) still sees the plain leaves."""
    seen: list[str] = []

    class Recording(SchemaExtension):
        def resolve(
            self,
            _next: Any,
            root: Any,
            info: GraphQLResolveInfo[Any],
            *args: Any,
            **kwargs: Any,
        ) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    schema = strawberry.Schema(
        query=Query, execution_context_class=GatewayExecutionContext, extensions=[Recording]
    )
    result = await schema.execute("{ items { name count } }")
    assert result.errors is None
    assert seen == ["items", "name", "count", "name", "count"]


def test_the_gateway_schema_s_plain_leaves() -> None:
    fields = plain_fields(build_schema()._schema).leaves
    assert fields[("Order", "orderId")].attribute == "order_id"
    assert fields[("Order", "orderId")].non_null
    assert not fields[("Order", "total")].non_null
    assert fields[("OrderLine", "sku")].attribute == "sku"
    assert ("Order", "status") in fields  # an enum
    assert ("Order", "createdAt") in fields  # a custom scalar
    # Fields with resolvers, arguments or object types are no leaves.
    for name in [("Order", "contact"), ("Order", "lines"), ("Contact", "orders")]:
        assert name not in fields
    assert not any(type_name.startswith("__") for type_name, _ in fields)
    objects = plain_fields(build_schema()._schema).objects
    assert objects[("Order", "lines")].is_list
    assert objects[("Order", "billingAddress")].object_type.name == "Address"
    # Order implements Node: its runtime type is checked, so it goes the general way.
    assert ("OrderEdge", "node") not in objects
    assert ("Order", "contact") not in objects
