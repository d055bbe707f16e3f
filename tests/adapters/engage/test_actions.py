"""EngageBackend order actions sent on their own against the Engage emulator."""

from __future__ import annotations

import pytest

from adapters.engage import EngageBackend
from adapters.errors import OrderNotFound, ValidationFailed, VersionConflict, VersionTagUnavailable
from adapters.model import JobOperation, JobState, OrderAction, OrderActionType, WriteMode
from tests.adapters.engage.conftest import Sandbox, applied_actions, fast_settings, finish
from tests.adapters.engage.samples import full_order
from tests.support.servers import LoopbackServer

CONFIRM = OrderAction(OrderActionType.CONFIRM_ORDER)


async def test_action_finds_the_version_tag_of_a_change_still_processing(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    await sandbox.settings(job_delay_ms=100)
    created = await backend.write_order(full_order("W-ACT-1"), WriteMode.ADD)
    # The create is not processed yet: no order, no tag. The adapter waits for it.
    job = await backend.trigger_action("W-ACT-1", CONFIRM)
    assert job.operation is JobOperation.ACTION
    assert (await finish(backend, job)).state is JobState.COMPLETED
    version = (await finish(backend, created)).version_tag
    (applied,) = await applied_actions(sandbox, "W-ACT-1", 1)
    assert (applied["action"], applied["versionTag"], applied["source"]) == (
        "ConfirmOrder",
        version,
        "Action",
    )


async def test_action_with_a_stale_tag_is_a_version_conflict(backend: EngageBackend) -> None:
    first = await finish(backend, await backend.write_order(full_order("W-ACT-2"), WriteMode.ADD))
    await finish(
        backend, await backend.write_order(full_order("W-ACT-2", channel="x"), WriteMode.REPLACE)
    )
    assert first.version_tag is not None
    with pytest.raises(VersionConflict) as caught:
        await backend.trigger_action("W-ACT-2", CONFIRM, version_tag=first.version_tag)
    assert caught.value.upstream_status == 404
    with pytest.raises(OrderNotFound):
        await backend.trigger_action("W-NONE-3", CONFIRM)


async def test_custom_and_embedded_actions(backend: EngageBackend, sandbox: Sandbox) -> None:
    job = await backend.write_order(full_order("W-ACT-3"), WriteMode.ADD, action=CONFIRM)
    await finish(backend, job)
    custom = OrderAction(OrderActionType.CUSTOM, custom_action="GiftWrapped", data={"by": "x"})
    await finish(backend, await backend.trigger_action("W-ACT-3", custom))
    applied = await applied_actions(sandbox, "W-ACT-3", 2)
    assert [(a["action"], a["source"]) for a in applied] == [
        ("ConfirmOrder", "Embedded"),
        ("GiftWrapped", "Action"),
    ]
    assert applied[1]["data"] == {"by": "x"}
    with pytest.raises(ValidationFailed):
        await backend.trigger_action("W-ACT-3", OrderAction(OrderActionType.CUSTOM))


async def test_version_tag_wait_is_bounded(engage_server: LoopbackServer, sandbox: Sandbox) -> None:
    await sandbox.settings(job_delay_ms=2000)
    backend = EngageBackend(fast_settings(engage_server.url, version_tag_wait_s=0.3))
    try:
        await backend.write_order(full_order("W-ACT-4"), WriteMode.ADD)
        with pytest.raises(VersionTagUnavailable):
            await backend.trigger_action("W-ACT-4", CONFIRM)
    finally:
        await backend.aclose()
