"""Which fields of a schema are plain leaves: an attribute of the source object, a scalar or
enum type, no arguments and no resolver of their own.

Most of what a client selects is such a field (an order's ``orderId``, a line's ``sku``), and
graphql-core spends far more on each of them (a resolve info, Strawberry's resolver wrapper, the
general value completion) than on reading the attribute and serialising it. Knowing the plain
leaves lets the executor take that short way for them; every other field, and every leaf whose
value is not a plain non-null value, still goes the general way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql import GraphQLField as CoreField
from strawberry.resolvers import is_default_resolver
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# What ``LeafField.read`` answers for a value that must go the general way.
NOT_PLAIN: Any = object()


@dataclass(frozen=True, slots=True)
class LeafField:
    attribute: str
    leaf_type: GraphQLLeafType
    non_null: bool

    def read(self, source: Any) -> Any:
        """The field's serialised value, or ``NOT_PLAIN`` for anything the general way must
        see: a null on a non-null field, an error as a value, a value the type refuses."""
        try:
            value = getattr(source, self.attribute)
            if value is None or value is Undefined:
                return NOT_PLAIN if self.non_null else None
            if isinstance(value, Exception):
                return NOT_PLAIN
            coerced = self.leaf_type.coerce_output_value(value)
        except Exception:  # the general way reports it
            return NOT_PLAIN
        if coerced is None or coerced is Undefined:
            return NOT_PLAIN
        return coerced


# Keyed by (object type name, field name), as the executor meets them.
LeafFields = dict[tuple[str, str], LeafField]

_BY_SCHEMA: WeakKeyDictionary[GraphQLSchema, LeafFields] = WeakKeyDictionary()


def leaf_fields(schema: GraphQLSchema) -> LeafFields:
    """The plain leaf fields of ``schema``, worked out once per schema."""
    known = _BY_SCHEMA.get(schema)
    if known is None:
        known = _BY_SCHEMA[schema] = _find_leaf_fields(schema)
    return known


def _find_leaf_fields(schema: GraphQLSchema) -> LeafFields:
    found: LeafFields = {}
    for type_name, named_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(named_type, GraphQLObjectType):
            continue
        for field_name, field in named_type.fields.items():
            leaf = _plain_leaf(field)
            if leaf is not None:
                found[(type_name, field_name)] = leaf
    return found


def _plain_leaf(field: CoreField) -> LeafField | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or field.args
        or field.resolve is None
        or not is_default_resolver(field.resolve)
        # Strawberry's own default (``getattr``); a schema configured with another one reads
        # its sources differently.
        or definition.default_resolver is not getattr
    ):
        return None
    field_type = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if not isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        return None
    return LeafField(definition.python_name, inner, non_null)
