"""GraphiQL's docs must explain the whole API: every type, field, argument and enum value."""

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
)

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def _missing_descriptions(schema: strawberry.Schema) -> list[str]:
    missing: list[str] = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not graphql_type.description and name not in {"Query", "Mutation", "Subscription"}:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        elif isinstance(graphql_type, GraphQLInputObjectType):
            missing += [
                f"{name}.{field_name}"
                for field_name, field in graphql_type.fields.items()
                if not field.description
            ]
        elif isinstance(graphql_type, GraphQLEnumType):
            missing += [
                f"{name}.{value_name}"
                for value_name, value in graphql_type.values.items()
                if not value.description
            ]
        elif isinstance(graphql_type, GraphQLScalarType) and not graphql_type.description:
            missing.append(name)
    return missing


def test_every_type_field_argument_and_enum_value_is_described(
    schema: strawberry.Schema,
) -> None:
    assert _missing_descriptions(schema) == []


def test_root_types_are_described(schema: strawberry.Schema) -> None:
    for root in ("Query", "Mutation", "Subscription"):
        graphql_type = schema._schema.get_type(root)
        assert graphql_type is not None and graphql_type.description, root


def test_the_check_finds_a_missing_description() -> None:
    @strawberry.type(description="Has one undocumented field.")
    class Probe:
        documented: int = strawberry.field(description="Documented.")
        undocumented: int

    @strawberry.type(description="Root.")
    class ProbeQuery:
        @strawberry.field(description="The probe.")  # type: ignore[untyped-decorator]
        def probe(self, size: int) -> Probe:
            return Probe(documented=size, undocumented=size)

    missing = _missing_descriptions(strawberry.Schema(query=ProbeQuery))
    assert sorted(missing) == ["Probe.undocumented", "ProbeQuery.probe(size)"]
