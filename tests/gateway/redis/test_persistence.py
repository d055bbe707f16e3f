"""The start-up check of Redis persistence, against real redis-servers."""

from __future__ import annotations

from pathlib import Path

from gateway.redis.persistence import Persistence, check_persistence
from tests.support.redis import RedisServer, connected_state, redis_executable


async def test_a_server_without_persistence_is_reported_with_what_a_restart_loses(
    redis_url: str,
) -> None:
    async with connected_state(redis_url) as state:
        found = await check_persistence(state.client)
    assert found == Persistence(checked=True, append_only=False, snapshots=False)
    assert not found.durable
    assert "idempotency keys are forgotten" in found.describe()


async def test_an_append_only_server_is_durable(tmp_path: Path) -> None:
    server = RedisServer(redis_executable(), tmp_path, append_only=True).start()
    try:
        async with connected_state(server.url) as state:
            found = await check_persistence(state.client)
    finally:
        server.stop()
    assert found.append_only and found.durable
    assert "survives a Redis restart" in found.describe()


def test_snapshots_only_and_unknown_are_explained() -> None:
    assert "RDB snapshots only" in Persistence(checked=True, snapshots=True).describe()
    assert "CONFIG GET refused" in Persistence(checked=False).describe()
