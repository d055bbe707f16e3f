"""Idempotency keys: the contract runs against the memory store and the Redis store alike; the
Redis store is also shown across two processes and with a first attempt whose process died."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest

from gateway.errors import IdempotencyKeyReused
from gateway.idempotency import IdempotencyStore, MemoryIdempotencyStore, fingerprint
from gateway.redis.codec import JsonCodec
from gateway.redis.idempotency import RedisIdempotencyStore
from tests.support.redis import connected_state, running_url

StoreFactory = Callable[..., IdempotencyStore[Any]]
ANY_JSON: JsonCodec[Any] = JsonCodec(lambda value: value, lambda value: value)


@pytest.fixture(params=["memory", "redis"])
async def make_store(request: pytest.FixtureRequest) -> AsyncIterator[StoreFactory]:
    if request.param == "memory":
        yield lambda **options: MemoryIdempotencyStore(**options)
        return
    async with connected_state(running_url(request)) as state:
        yield lambda **options: RedisIdempotencyStore(state.client, state.keys, ANY_JSON, **options)


async def until(check: Callable[[], bool], timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    assert fingerprint("op", {"a": 1, "b": [1, 2]}) == fingerprint("op", {"b": [1, 2], "a": 1})
    assert fingerprint("op", {"a": 1}) != fingerprint("op", {"a": 2})
    assert fingerprint("op", {"a": 1}) != fingerprint("other", {"a": 1})


async def test_same_key_same_input_runs_once(make_store: StoreFactory) -> None:
    store = make_store()
    calls = 0

    async def operation() -> int:
        nonlocal calls
        calls += 1
        return calls

    assert await store.run("k", "f", operation) == 1
    assert await store.run("k", "f", operation) == 1
    assert calls == 1


async def test_same_key_different_input_is_refused(make_store: StoreFactory) -> None:
    store = make_store()

    async def operation() -> str:
        return "done"

    await store.run("k", "f1", operation)
    with pytest.raises(IdempotencyKeyReused) as caught:
        await store.run("k", "f2", operation)
    assert caught.value.code == "IDEMPOTENCY_KEY_REUSED"


async def test_concurrent_duplicates_wait_for_the_first(make_store: StoreFactory) -> None:
    store = make_store()
    calls = 0
    release = asyncio.Event()

    async def operation() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 7

    tasks = [asyncio.create_task(store.run("k", "f", operation)) for _ in range(5)]
    await until(lambda: calls >= 1)
    await asyncio.sleep(0.05)  # room for a wrong second start to show
    assert calls == 1
    release.set()
    assert await asyncio.wait_for(asyncio.gather(*tasks), 2) == [7] * 5
    assert calls == 1


async def test_concurrent_duplicate_with_other_input_is_refused_at_once(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    started = asyncio.Event()
    release = asyncio.Event()

    async def operation() -> int:
        started.set()
        await release.wait()
        return 1

    first = asyncio.create_task(store.run("k", "f1", operation))
    await asyncio.wait_for(started.wait(), 2)
    with pytest.raises(IdempotencyKeyReused):
        await asyncio.wait_for(store.run("k", "f2", operation), 1)
    release.set()
    assert await first == 1


async def test_a_failed_first_attempt_frees_the_key(make_store: StoreFactory) -> None:
    store = make_store()

    async def failing() -> str:
        raise ConnectionError("vendor down")

    async def working() -> str:
        return "ok"

    with pytest.raises(ConnectionError):
        await store.run("k", "f", failing)
    assert await store.run("k", "f", working) == "ok"


async def test_waiters_take_over_when_the_first_fails(make_store: StoreFactory) -> None:
    store = make_store()
    release = asyncio.Event()
    attempts = 0

    async def flaky() -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await release.wait()
            raise ConnectionError("lost")
        return "second"

    first = asyncio.create_task(store.run("k", "f", flaky))
    await until(lambda: attempts == 1)
    second = asyncio.create_task(store.run("k", "f", flaky))
    await asyncio.sleep(0.05)
    assert attempts == 1  # the duplicate waits
    release.set()
    with pytest.raises(ConnectionError):
        await first
    assert await asyncio.wait_for(second, 2) == "second"
    assert attempts == 2


async def test_outcomes_expire(make_store: StoreFactory) -> None:
    store = make_store(ttl_s=0.05)
    calls = 0

    async def operation() -> int:
        nonlocal calls
        calls += 1
        return calls

    await store.run("k", "f", operation)
    await asyncio.sleep(0.08)
    assert await store.run("k", "f", operation) == 2


async def test_a_retry_on_another_process_gets_the_first_outcome(
    redis_url: str, redis_prefix: str
) -> None:
    async with (
        connected_state(redis_url, redis_prefix) as first,
        connected_state(redis_url, redis_prefix) as second,
    ):
        a = RedisIdempotencyStore(first.client, first.keys, ANY_JSON)
        b = RedisIdempotencyStore(second.client, second.keys, ANY_JSON)
        release = asyncio.Event()
        writes = 0

        async def write() -> dict[str, str]:
            nonlocal writes
            writes += 1
            await release.wait()
            return {"job": "j-1"}

        on_a = asyncio.create_task(a.run("key", "f", write))
        await until(lambda: writes == 1)
        on_b = asyncio.create_task(b.run("key", "f", write))  # the retry, while A still runs
        await asyncio.sleep(0.05)
        release.set()
        assert await asyncio.wait_for(on_a, 2) == await asyncio.wait_for(on_b, 2) == {"job": "j-1"}
        assert await b.run("key", "f", write) == {"job": "j-1"}
        assert writes == 1


async def test_the_key_of_a_process_that_died_mid_write_is_resumed_once_its_lease_ends(
    redis_url: str, redis_prefix: str
) -> None:
    async with connected_state(redis_url, redis_prefix) as state:
        survivor = RedisIdempotencyStore(state.client, state.keys, ANY_JSON, lease_s=0.3)
        # What a process that died mid-write leaves behind: its lease, never renewed again.
        seconds, micros = await state.client.time()
        lease_until = seconds * 1000 + micros // 1000 + 300
        lock = orjson.dumps(
            {"state": "running", "fingerprint": "f", "owner": "dead", "lease_until": lease_until}
        )
        await state.client.set(state.keys.idempotency("key"), lock, px=60_000)
        ran: list[str] = []

        async def fresh() -> str:
            ran.append("operation")
            return "fresh"

        async def resumed() -> str:
            ran.append("resume")
            return "resumed"

        assert await asyncio.wait_for(survivor.run("key", "f", fresh, resume=resumed), 3) == (
            "resumed"
        )
        assert ran == ["resume"]
        # The outcome is stored: a further retry replays it.
        assert await survivor.run("key", "f", fresh, resume=resumed) == "resumed"
        assert ran == ["resume"]


async def test_a_retry_after_an_attempt_that_raised_resumes(make_store: StoreFactory) -> None:
    store = make_store()
    ran: list[str] = []

    async def lost() -> str:
        ran.append("operation")
        raise RuntimeError("the answer was lost")

    async def resumed() -> str:
        ran.append("resume")
        return "recognised"

    with pytest.raises(RuntimeError):
        await store.run("k", "f", lost, resume=resumed)
    assert await store.run("k", "f", lost, resume=resumed) == "recognised"
    assert ran == ["operation", "resume"]


async def test_another_input_after_an_attempt_that_raised_runs_afresh(
    make_store: StoreFactory,
) -> None:
    store = make_store()

    async def lost() -> str:
        raise RuntimeError("down")

    async def fresh() -> str:
        return "fresh"

    async def resumed() -> str:
        return "resumed"

    with pytest.raises(RuntimeError):
        await store.run("k", "f1", lost)
    assert await store.run("k", "f2", fresh, resume=resumed) == "fresh"
