"""Which fields of a schema are plain: an attribute of the source object, no arguments and no
resolver of their own, and either a leaf (a scalar or enum) or an object (or list of objects)
of a type that needs no runtime type check.

Most of what a client selects is such a field (an order's ``orderId``, its ``lines``, a line's
``sku``), and graphql-core spends far more on each of them (a resolve info, Strawberry's
resolver wrapper, the general value completion) than on reading the attribute and serialising
it. Knowing the plain fields lets the executor take that short way for them; every other field,
and every plain field whose value is not plain (a null on a non-null field, an error as a
value), still goes the general way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLList,
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


@dataclass(frozen=True, slots=True)
class ObjectField:
    """A plain field whose value is an object, or a list of objects, of ``object_type``."""

    attribute: str
    object_type: GraphQLObjectType
    non_null: bool
    is_list: bool


FieldKey = tuple[str, str]  # (object type name, field name), as the executor meets them


@dataclass(frozen=True, slots=True)
class PlainFields:
    leaves: dict[FieldKey, LeafField]
    objects: dict[FieldKey, ObjectField]


NO_PLAIN_FIELDS = PlainFields({}, {})

_BY_SCHEMA: WeakKeyDictionary[GraphQLSchema, PlainFields] = WeakKeyDictionary()


def plain_fields(schema: GraphQLSchema) -> PlainFields:
    """The plain fields of ``schema``, worked out once per schema."""
    known = _BY_SCHEMA.get(schema)
    if known is None:
        known = _BY_SCHEMA[schema] = _find_plain_fields(schema)
    return known


def _find_plain_fields(schema: GraphQLSchema) -> PlainFields:
    found = PlainFields({}, {})
    for type_name, named_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(named_type, GraphQLObjectType):
            continue
        for field_name, field in named_type.fields.items():
            attribute = _plain_attribute(field)
            if attribute is None:
                continue
            key = (type_name, field_name)
            field_type = field.type
            non_null = isinstance(field_type, GraphQLNonNull)
            inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
            is_list = isinstance(inner, GraphQLList)
            if is_list:
                item = inner.of_type
                # Items that may be null take the general way, which knows how to say so.
                inner = item.of_type if isinstance(item, GraphQLNonNull) else None
            if isinstance(inner, GraphQLScalarType | GraphQLEnumType) and not is_list:
                found.leaves[key] = LeafField(attribute, inner, non_null)
            elif isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
                found.objects[key] = ObjectField(attribute, inner, non_null, is_list)
    return found


def _plain_attribute(field: CoreField) -> str | None:
    """The attribute a field reads, if it is all the field does."""
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
    return definition.python_name
