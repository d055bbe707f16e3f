"""EngageBackend job reads against the Engage emulator over real HTTP."""

from __future__ import annotations

import pytest

from adapters.engage import EngageBackend
from adapters.errors import JobNotFound


async def test_unknown_job(backend: EngageBackend) -> None:
    with pytest.raises(JobNotFound):
        await backend.get_job("3f0c0000-0000-4000-8000-000000000000")
    with pytest.raises(JobNotFound):
        await backend.get_job("confirmed-unknown")
