"""Connecting, and what a lost Redis does to the shared parts (it is stopped for real)."""

import asyncio
import socket

import pytest

from adapters.model import JobState, Vendor
from gateway.errors import StateStoreUnavailable
from gateway.jobs.store import TrackedJob
from gateway.redis import RedisUnreachable, SharedState
from gateway.redis.connection import probe
from tests.gateway.jobs.fakes import make_job
from tests.support.observe import PATIENCE_S
from tests.support.redis import RedisServer, connected_state


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_an_unreachable_redis_is_one_line_without_the_password() -> None:
    url = f"redis://app:hunter2@127.0.0.1:{_closed_port()}/0"
    with pytest.raises(RedisUnreachable) as caught:
        await SharedState.connect(url, "p", timeout_s=0.5)
    message = str(caught.value)
    assert message.startswith("cannot reach Redis at redis://app:***@127.0.0.1:")
    assert "hunter2" not in message and "\n" not in message
    with pytest.raises(RedisUnreachable):
        await asyncio.to_thread(probe, url, timeout_s=0.5)


async def test_losing_redis_ends_subscriptions_and_types_errors_then_recovers(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    async with connected_state(redis_server.url, redis_prefix) as state:
        store, fanout = state.job_store(), state.job_fanout()
        await store.save(make_job())
        watching = fanout.subscribe("job:ENGAGE:job-1")
        assert state.available and await state.ping()
        redis_server.stop()
        try:
            async with asyncio.timeout(PATIENCE_S):
                while state.available:
                    await asyncio.sleep(0.01)
            # A watcher may have missed updates: it is told so instead of waiting forever.
            with pytest.raises(StateStoreUnavailable):
                await asyncio.wait_for(anext(aiter(watching)), PATIENCE_S)
            with pytest.raises(StateStoreUnavailable):
                state.check_available()
            with pytest.raises(StateStoreUnavailable, match="reading a job"):
                await store.get(Vendor.ENGAGE, "job-1")
            with pytest.raises(StateStoreUnavailable):
                await fanout.publish("t", TrackedJob(make_job(), 1))
            late = fanout.subscribe("job:ENGAGE:job-1")
            with pytest.raises(StateStoreUnavailable):
                await asyncio.wait_for(anext(aiter(late)), PATIENCE_S)
            assert not await state.ping()
        finally:
            redis_server.start()
        async with asyncio.timeout(PATIENCE_S):
            while not state.available:
                await asyncio.sleep(0.02)
        assert await state.ping()
        assert await store.get(Vendor.ENGAGE, "job-1") is None  # it came back empty
        assert (await store.save(make_job())).changed
        again = fanout.subscribe("t2")
        record = TrackedJob(make_job(), 5)
        await fanout.publish("t2", record)
        assert await asyncio.wait_for(anext(aiter(again)), PATIENCE_S) == record


async def test_abandoned_jobs_are_unfinished_unleased_and_quiet(
    redis_url: str, redis_prefix: str
) -> None:
    async with connected_state(redis_url, redis_prefix) as state:
        store = state.job_store()
        for job_id in ("quiet", "leased", "done", "forgotten"):
            await store.save(make_job(job_id))
        await store.save(make_job("done", JobState.COMPLETED))
        await store.forget_unfinished(Vendor.ENGAGE, "forgotten")
        assert await store.claim_poller(Vendor.ENGAGE, "leased", "alive", 60)
        assert await store.abandoned(older_than_s=60) == []  # all saved just now
        # Ages a busy machine cannot blur: "recent" is looked at well within a second of its
        # save, the others well over one after theirs.
        await asyncio.sleep(1.5)
        await store.save(make_job("recent"))
        found = await store.abandoned(older_than_s=1.0)
        assert [record.job.job_id for record in found] == ["quiet"]
        await store.save(make_job("quiet", JobState.FAILED))
        assert await store.abandoned(older_than_s=0) == [
            r for r in [await store.get(Vendor.ENGAGE, "recent")] if r is not None
        ]
