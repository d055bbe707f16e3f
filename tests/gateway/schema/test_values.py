"""The GraphQL value types answer straight from the domain's values: every field they declare
is a field of the domain class of the same name."""

from __future__ import annotations

import dataclasses

import pytest
from strawberry.types.base import get_object_definition

from adapters import model
from gateway.schema import values

VALUE_TYPES = [
    values.Attribute,
    values.Tax,
    values.Discount,
    values.Fee,
    values.Payment,
    values.Delivery,
    values.Address,
    values.ReturnDetails,
    values.OrderLine,
]


@pytest.mark.parametrize("graphql_type", VALUE_TYPES, ids=lambda t: t.__name__)
def test_every_field_is_a_field_of_the_domain_value(graphql_type: type) -> None:
    definition = get_object_definition(graphql_type, strict=True)
    domain = getattr(model, graphql_type.__name__)
    domain_fields = {field.name for field in dataclasses.fields(domain)}
    declared = {field.python_name for field in definition.fields}
    assert declared <= domain_fields, f"{sorted(declared - domain_fields)} not on {domain}"
    # None of them computes anything: a resolver would have nothing but the domain value.
    assert all(field.base_resolver is None for field in definition.fields)


def test_every_value_type_is_covered() -> None:
    declared = {
        item
        for item in vars(values).values()
        if isinstance(item, type) and get_object_definition(item) is not None
    }
    assert declared == set(VALUE_TYPES)
