"""Attribute names outside the unit's catalogue are named on their own fields."""

from __future__ import annotations

import pytest

from adapters import errors
from adapters.expertsender import ExpertSenderBackend
from adapters.model import Attribute, OrderLine, WriteMode
from tests.adapters.expertsender.conftest import simple_order


async def test_unknown_order_and_product_attributes_are_named(
    backend: ExpertSenderBackend,
) -> None:
    line = OrderLine(
        sku="SKU-1001",
        quantity=1,
        name="Earbuds",
        unit_price=1.0,
        attributes=(Attribute("color", "Black"), Attribute("Flavour", "Mint")),
    )
    order = simple_order(lines=(line,), attributes=(Attribute("Gift Wrapping", "Yes"),))
    with pytest.raises(errors.ValidationFailed) as refused:
        await backend.write_order(order, WriteMode.ADD)
    named = {(e.path, e.code): e.message for e in refused.value.field_errors}
    # "color" differs from the catalogue's "Color" only in case: the vendor's own refusal of
    # it (if any) stands, the gateway does not add its own.
    assert {key for key in named if key[1] == "UnknownAttribute"} == {
        (("attributes", "0", "name"), "UnknownAttribute"),
        (("lines", "0", "attributes", "1", "name"), "UnknownAttribute"),
    }
    assert "'Gift Wrapping'" in named[(("attributes", "0", "name"), "UnknownAttribute")]
    assert "'Flavour'" in named[(("lines", "0", "attributes", "1", "name"), "UnknownAttribute")]
    assert refused.value.upstream_status == 400


async def test_defined_attributes_in_any_case_are_not_refused_here(
    backend: ExpertSenderBackend,
) -> None:
    order = simple_order(attributes=(Attribute("Gift Wrap", "Yes"),))
    job = await backend.write_order(order, WriteMode.ADD)
    assert not [w for w in job.warnings if "attribute" in w.message.lower()]
