"""The ExpertSender adapter against every way the emulator may answer what ECDP leaves open.

Each case runs the same tour against an emulator that answers one open question
(``sandbox.variants.CHOICES``) one way and everything else as it always did, plus one run where
every answer is the documented minimum.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest

from adapters import errors
from adapters.expertsender import ExpertSenderBackend
from adapters.model import Attribute, JobState, OrderStatus, WriteMode
from sandbox.expertsender.app import create_app
from sandbox.expertsender.settings import ExpertSenderSandboxSettings
from sandbox.variants import CHOICES, Variants
from tests.adapters.expertsender.conftest import new_id, settings_for, simple_order
from tests.support.servers import serve

CASES = [
    pytest.param(Variants.invented().replaced(**{name: option}), id=f"{name}={option}")
    for name, choice in CHOICES.items()
    if name.startswith("expertsender_")
    for option in choice.options
] + [pytest.param(Variants.documented(), id="documented")]


@pytest.fixture(params=CASES)
def variant_server(request: pytest.FixtureRequest) -> Iterator[str]:
    settings = ExpertSenderSandboxSettings(variants=request.param)
    with serve(create_app(settings), ws="none") as server:
        yield server.url


@pytest.fixture
async def backend(variant_server: str) -> AsyncIterator[ExpertSenderBackend]:
    backend = ExpertSenderBackend(settings_for(variant_server))
    yield backend
    await backend.aclose()


async def test_the_backend_contract_holds(backend: ExpertSenderBackend) -> None:
    order = simple_order()
    job = await backend.write_order(order, WriteMode.ADD)
    assert job.state is JobState.COMPLETED
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None and not stored.is_deleted

    with pytest.raises(errors.AlreadyExists):
        await backend.write_order(order, WriteMode.ADD)
    with pytest.raises(errors.OrderNotFound):
        await backend.write_order(simple_order(), WriteMode.REPLACE)
    invalid = simple_order(currency="EURO", attributes=(Attribute("No Such Attribute", "x"),))
    with pytest.raises(errors.ValidationFailed) as refused:
        await backend.write_order(invalid, WriteMode.ADD)
    assert {("currency",), ("attributes", "0", "name")} <= {
        error.path for error in refused.value.field_errors
    }
    # An Add refused for a bad field of an order that exists stays a validation failure.
    with pytest.raises(errors.ValidationFailed):
        await backend.write_order(replace(order, currency="EURO"), WriteMode.ADD)

    changed = await backend.change_status(order.order_id, OrderStatus.PAID)
    assert changed.state is JobState.COMPLETED
    with pytest.raises(errors.OrderNotFound):
        await backend.change_status(new_id(), OrderStatus.PAID)

    deleted = await backend.delete_order(order.order_id)
    assert deleted.state is JobState.COMPLETED
    (gone,) = await backend.get_orders([order.order_id])
    assert gone is not None and gone.is_deleted


async def test_a_wrong_key_is_unauthorized(variant_server: str) -> None:
    wrong = ExpertSenderBackend(replace(settings_for(variant_server), api_key="wrong"))
    try:
        with pytest.raises(errors.Unauthorized):
            await wrong.get_orders([new_id()])
    finally:
        await wrong.aclose()
