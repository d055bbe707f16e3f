"""The Engage adapter against every way the emulator may answer what Engage leaves open.

Each case runs the same tour of the Backend contract against an emulator that answers one open
question (``sandbox.variants.CHOICES``) one way and everything else as it always did, plus one
run where every answer is the documented minimum. An adapter that needs an invented detail
fails the case of the variant that leaves the detail out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.engage import EngageBackend
from adapters.errors import (
    AlreadyExists,
    NoContact,
    OrderNotFound,
    ValidationFailed,
    VersionConflict,
)
from adapters.model import ContactRef, JobState, OrderAction, OrderActionType, WriteMode
from sandbox.engage.app import create_app
from sandbox.engage.settings import EngageSandboxSettings
from sandbox.variants import CHOICES, Variants
from tests.adapters.engage.conftest import Sandbox, applied_actions, fast_settings, finish
from tests.adapters.engage.samples import full_order
from tests.support.servers import serve

CONFIRM = OrderAction(OrderActionType.CONFIRM_ORDER)
CASES = [
    pytest.param(Variants.invented().replaced(**{name: option}), id=f"{name}={option}")
    for name, choice in CHOICES.items()
    if name.startswith("engage_")
    for option in choice.options
] + [pytest.param(Variants.documented(), id="documented")]


@pytest.fixture(params=CASES)
def variant_server(request: pytest.FixtureRequest) -> Iterator[str]:
    settings = EngageSandboxSettings(job_delay_ms=10, variants=request.param)
    with serve(create_app(settings)) as server:
        yield server.url


@pytest.fixture
async def tour(variant_server: str) -> AsyncIterator[tuple[EngageBackend, Sandbox]]:
    backend = EngageBackend(fast_settings(variant_server))
    sandbox = Sandbox(variant_server)
    yield backend, sandbox
    await sandbox.aclose()
    await backend.aclose()


async def test_the_backend_contract_holds(tour: tuple[EngageBackend, Sandbox]) -> None:
    backend, sandbox = tour
    created = await backend.write_order(full_order("V-1"), WriteMode.ADD)
    assert created.state is JobState.PENDING and created.job_id
    done = await finish(backend, created)
    assert done.state is JobState.COMPLETED and done.order_id == "V-1"
    stored = await backend.get_order("V-1")
    assert stored is not None and done.version_tag == stored.version_tag is not None

    with pytest.raises(AlreadyExists):
        await backend.write_order(full_order("V-1"), WriteMode.ADD)
    with pytest.raises(OrderNotFound):
        await backend.write_order(full_order("V-MISSING"), WriteMode.REPLACE)
    with pytest.raises(ValidationFailed) as invalid:
        await backend.write_order(full_order("V-BAD", currency="kronor"), WriteMode.ADD)
    assert ("currency",) in {error.path for error in invalid.value.field_errors}

    action = await finish(backend, await backend.trigger_action("V-1", CONFIRM))
    assert action.state is JobState.COMPLETED
    assert [a["source"] for a in await applied_actions(sandbox, "V-1", 1)] == ["Action"]
    with pytest.raises(VersionConflict):
        await backend.trigger_action("V-1", CONFIRM, version_tag="AAAAAAAAAAA=")
    with pytest.raises(OrderNotFound):
        await backend.trigger_action("V-MISSING", CONFIRM)
    with pytest.raises(NoContact):
        await backend.trigger_action("ENG-9001", CONFIRM, version_tag=await _tag(backend))

    nobody = full_order("V-NOC", contact=ContactRef(email="nobody@example.com"))
    lonely = await finish(backend, await backend.write_order(nobody, WriteMode.ADD))
    assert lonely.state is JobState.COMPLETED_WITH_ERRORS

    deleted = await finish(backend, await backend.delete_order("V-1"))
    assert deleted.state is JobState.COMPLETED
    assert await backend.get_order("V-1") is None


async def test_a_job_is_followed_while_it_runs_and_a_lost_race_fails(
    tour: tuple[EngageBackend, Sandbox],
) -> None:
    backend, sandbox = tour
    await sandbox.settings(job_delay_ms=150)
    first, second = await asyncio.gather(
        backend.write_order(full_order("V-RACE"), WriteMode.ADD),
        backend.write_order(full_order("V-RACE", channel="Store"), WriteMode.ADD),
    )
    running = await backend.get_job(first.job_id)
    assert not running.state.is_final
    outcomes = sorted(
        [await finish(backend, first), await finish(backend, second)], key=lambda j: j.state
    )
    assert [job.state for job in outcomes] == [JobState.COMPLETED, JobState.FAILED]
    assert [error.code for error in outcomes[1].errors] == ["ORDER_ALREADY_EXISTS"]


async def _tag(backend: EngageBackend) -> str:
    order = await backend.get_order("ENG-9001")
    assert order is not None and order.version_tag
    return order.version_tag
