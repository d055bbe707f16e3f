"""EngageBackend deletes against the Engage emulator."""

from __future__ import annotations

import pytest

from adapters.engage import EngageBackend
from adapters.errors import OrderNotFound
from adapters.model import JobOperation, JobState, WriteMode
from tests.adapters.engage.conftest import finish
from tests.adapters.engage.samples import full_order


async def test_delete(backend: EngageBackend) -> None:
    await finish(backend, await backend.write_order(full_order("W-DEL-1"), WriteMode.ADD))
    job = await backend.delete_order("W-DEL-1")
    assert job.operation is JobOperation.DELETE
    assert (await finish(backend, job)).state is JobState.COMPLETED
    assert await backend.get_orders(["W-DEL-1"]) == [None]
    with pytest.raises(OrderNotFound):
        await backend.delete_order("W-DEL-1")
