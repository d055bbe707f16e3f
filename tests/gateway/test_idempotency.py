import asyncio

import pytest

from gateway.idempotency import IdempotencyKeyReused, MemoryIdempotencyStore, fingerprint


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    assert fingerprint("op", {"a": 1, "b": [1, 2]}) == fingerprint("op", {"b": [1, 2], "a": 1})
    assert fingerprint("op", {"a": 1}) != fingerprint("op", {"a": 2})
    assert fingerprint("op", {"a": 1}) != fingerprint("other", {"a": 1})


async def test_same_key_same_input_runs_once() -> None:
    store: MemoryIdempotencyStore[int] = MemoryIdempotencyStore()
    calls = 0

    async def operation() -> int:
        nonlocal calls
        calls += 1
        return calls

    assert await store.run("k", "f", operation) == 1
    assert await store.run("k", "f", operation) == 1
    assert calls == 1


async def test_same_key_different_input_is_refused() -> None:
    store: MemoryIdempotencyStore[str] = MemoryIdempotencyStore()

    async def operation() -> str:
        return "done"

    await store.run("k", "f1", operation)
    with pytest.raises(IdempotencyKeyReused) as caught:
        await store.run("k", "f2", operation)
    assert caught.value.code == "IDEMPOTENCY_KEY_REUSED"


async def test_concurrent_duplicates_wait_for_the_first() -> None:
    store: MemoryIdempotencyStore[int] = MemoryIdempotencyStore()
    calls = 0
    release = asyncio.Event()

    async def operation() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 7

    tasks = [asyncio.create_task(store.run("k", "f", operation)) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert calls == 1
    release.set()
    assert await asyncio.wait_for(asyncio.gather(*tasks), 2) == [7] * 5
    assert calls == 1


async def test_concurrent_duplicate_with_other_input_is_refused_at_once() -> None:
    store: MemoryIdempotencyStore[int] = MemoryIdempotencyStore()
    release = asyncio.Event()

    async def operation() -> int:
        await release.wait()
        return 1

    first = asyncio.create_task(store.run("k", "f1", operation))
    await asyncio.sleep(0.01)
    with pytest.raises(IdempotencyKeyReused):
        await asyncio.wait_for(store.run("k", "f2", operation), 1)
    release.set()
    assert await first == 1


async def test_a_failed_first_attempt_frees_the_key() -> None:
    store: MemoryIdempotencyStore[str] = MemoryIdempotencyStore()

    async def failing() -> str:
        raise ConnectionError("vendor down")

    async def working() -> str:
        return "ok"

    with pytest.raises(ConnectionError):
        await store.run("k", "f", failing)
    assert await store.run("k", "f", working) == "ok"


async def test_waiters_take_over_when_the_first_fails() -> None:
    store: MemoryIdempotencyStore[str] = MemoryIdempotencyStore()
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
    await asyncio.sleep(0.01)
    second = asyncio.create_task(store.run("k", "f", flaky))
    await asyncio.sleep(0.01)
    release.set()
    with pytest.raises(ConnectionError):
        await first
    assert await asyncio.wait_for(second, 1) == "second"
    assert attempts == 2


async def test_outcomes_expire() -> None:
    store: MemoryIdempotencyStore[int] = MemoryIdempotencyStore(ttl_s=0.05)
    calls = 0

    async def operation() -> int:
        nonlocal calls
        calls += 1
        return calls

    await store.run("k", "f", operation)
    await asyncio.sleep(0.08)
    assert await store.run("k", "f", operation) == 2
