"""Idempotency keys: the contract runs against the memory store and the Redis store alike, and
so does the contract of the storages under them (one record per key, swapped atomically); the
Redis store is also shown across two processes and with a first attempt whose process died."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest

from gateway.errors import IdempotencyKeyReused, UpstreamFailure
from gateway.idempotency import (
    IdempotencyKeys,
    IdempotencyStorage,
    IdempotencyStore,
    KeyRecord,
    KeyState,
    MemoryIdempotencyStorage,
    MemoryIdempotencyStore,
    fingerprint,
)
from gateway.redis.codec import JsonCodec
from gateway.redis.idempotency import RedisIdempotencyStorage
from tests.support.redis import RedisServer, connected_state, running_url

StoreFactory = Callable[..., IdempotencyStore[Any]]
ANY_JSON: JsonCodec[Any] = JsonCodec(lambda value: value, lambda value: value)


@pytest.fixture(params=["memory", "redis"])
async def make_store(request: pytest.FixtureRequest) -> AsyncIterator[StoreFactory]:
    if request.param == "memory":
        yield lambda **options: MemoryIdempotencyStore(**options)
        return
    async with connected_state(running_url(request)) as state:
        yield lambda **options: IdempotencyKeys(
            RedisIdempotencyStorage(state.client, state.keys, ANY_JSON, **options)
        )


@pytest.fixture(params=["memory", "redis"])
async def storage(request: pytest.FixtureRequest) -> AsyncIterator[IdempotencyStorage[Any]]:
    if request.param == "memory":
        yield MemoryIdempotencyStorage()
        return
    async with connected_state(running_url(request)) as state:
        yield RedisIdempotencyStorage(state.client, state.keys, ANY_JSON)


def running(owner: str, fingerprint: str = "f") -> KeyRecord[Any]:
    return KeyRecord(KeyState.RUNNING, fingerprint, owner)


# Guards against a hang, never reached when things work: long, for a busy machine (several
# of these wait on a real redis-server).
PATIENCE_S = 30.0


async def until(check: Callable[[], bool], timeout: float = PATIENCE_S) -> None:
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
    assert await asyncio.wait_for(asyncio.gather(*tasks), PATIENCE_S) == [7] * 5
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
    await asyncio.wait_for(started.wait(), PATIENCE_S)
    with pytest.raises(IdempotencyKeyReused):
        await asyncio.wait_for(store.run("k", "f2", operation), PATIENCE_S)
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
    assert await asyncio.wait_for(second, PATIENCE_S) == "second"
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
        a = IdempotencyKeys(RedisIdempotencyStorage(first.client, first.keys, ANY_JSON))
        b = IdempotencyKeys(RedisIdempotencyStorage(second.client, second.keys, ANY_JSON))
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
        assert (
            await asyncio.wait_for(on_a, PATIENCE_S)
            == await asyncio.wait_for(on_b, PATIENCE_S)
            == {"job": "j-1"}
        )
        assert await b.run("key", "f", write) == {"job": "j-1"}
        assert writes == 1


async def test_the_key_of_a_process_that_died_mid_write_is_resumed_once_its_lease_ends(
    redis_url: str, redis_prefix: str
) -> None:
    async with connected_state(redis_url, redis_prefix) as state:
        survivor = IdempotencyKeys(
            RedisIdempotencyStorage(state.client, state.keys, ANY_JSON, lease_s=0.3)
        )
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

        async def resumed(note: str | None) -> str:
            ran.append(f"resume with {note}")
            return "resumed"

        resuming = survivor.run("key", "f", fresh, resume=resumed)
        assert await asyncio.wait_for(resuming, PATIENCE_S) == "resumed"
        # A process that died left no note.
        assert ran == ["resume with None"]
        # The outcome is stored: a further retry replays it.
        assert await survivor.run("key", "f", fresh, resume=resumed) == "resumed"
        assert ran == ["resume with None"]


async def test_a_retry_after_an_attempt_that_raised_resumes(make_store: StoreFactory) -> None:
    store = make_store()
    ran: list[str] = []

    async def lost() -> str:
        ran.append("operation")
        raise RuntimeError("the answer was lost")

    async def resumed(note: str | None) -> str:
        ran.append("resume")
        return "recognised"

    with pytest.raises(RuntimeError):
        await store.run("k", "f", lost, resume=resumed)
    assert await store.run("k", "f", lost, resume=resumed) == "recognised"
    assert ran == ["operation", "resume"]


async def test_the_note_a_failed_attempt_left_reaches_its_retry(make_store: StoreFactory) -> None:
    store = make_store()
    notes: list[str | None] = []

    async def lost() -> str:
        failure = UpstreamFailure("the answer was lost", code="WRITE_OUTCOME_UNKNOWN")
        failure.resume_note = '{"versionBefore": "v-1"}'
        raise failure

    async def resumed(note: str | None) -> str:
        notes.append(note)
        raise UpstreamFailure("down again")

    with pytest.raises(UpstreamFailure):
        await store.run("k", "f", lost, resume=resumed)
    with pytest.raises(UpstreamFailure):
        await store.run("k", "f", lost, resume=resumed)
    # A failure that leaves no note of its own leaves none: the next retry knows less.
    with pytest.raises(UpstreamFailure):
        await store.run("k", "f", lost, resume=resumed)
    assert notes == ['{"versionBefore": "v-1"}', None]


async def test_an_attempt_refused_before_the_vendor_was_called_leaves_the_key_as_it_was(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    ran: list[str] = []

    def refused() -> UpstreamFailure:
        failure = UpstreamFailure("no slot", code="RATE_LIMITED")
        failure.sent_nothing = True
        return failure

    async def operation() -> str:
        ran.append("operation")
        raise refused()

    async def lost() -> str:
        ran.append("lost")
        failure = UpstreamFailure("the answer was lost", code="WRITE_OUTCOME_UNKNOWN")
        failure.resume_note = "version v-1"
        raise failure

    async def resumed(note: str | None) -> str:
        ran.append(f"resume with {note}")
        raise refused()

    # A first attempt refused: the retry runs the operation, not a resumption.
    with pytest.raises(UpstreamFailure):
        await store.run("k", "f", operation, resume=resumed)
    with pytest.raises(UpstreamFailure):
        await store.run("k", "f", lost, resume=resumed)
    # A resumption refused: the next one still gets the note of the attempt that was lost.
    for _ in range(2):
        with pytest.raises(UpstreamFailure):
            await store.run("k", "f", lost, resume=resumed)
    assert ran == ["operation", "lost", "resume with version v-1", "resume with version v-1"]


async def test_another_input_after_an_attempt_that_raised_runs_afresh(
    make_store: StoreFactory,
) -> None:
    store = make_store()

    async def lost() -> str:
        raise RuntimeError("down")

    async def fresh() -> str:
        return "fresh"

    async def resumed(note: str | None) -> str:
        return "resumed"

    with pytest.raises(RuntimeError):
        await store.run("k", "f1", lost)
    assert await store.run("k", "f2", fresh, resume=resumed) == "fresh"


# --- the storage contract: what both back-ends must do for ``IdempotencyKeys`` ---------------


async def test_storage_a_free_key_is_taken_and_then_held(storage: IdempotencyStorage[Any]) -> None:
    assert await storage.take("k", None, running("a")) is None
    found = await storage.take("k", None, running("b"))
    assert found is not None
    assert (found.state, found.owner, found.fingerprint, found.held) == (
        KeyState.RUNNING,
        "a",
        "f",
        True,
    )


async def test_storage_a_live_hold_is_not_taken_even_when_expected(
    storage: IdempotencyStorage[Any],
) -> None:
    assert await storage.take("k", None, running("a")) is None
    held = await storage.take("k", None, running("b"))
    assert held is not None
    again = await storage.take("k", held, running("b"))
    assert again is not None and again.owner == "a" and again.held


async def test_storage_settled_records_are_answered_with_their_outcome(
    storage: IdempotencyStorage[Any],
) -> None:
    holder = running("a")
    await storage.take("k", None, holder)
    await storage.settle("k", KeyRecord(KeyState.DONE, "f", "a", {"job": "j-1"}))
    found = await storage.take("k", None, running("b"))
    assert found == KeyRecord(KeyState.DONE, "f", "a", {"job": "j-1"}, held=False)


async def test_storage_an_interrupted_record_is_taken_only_by_who_expected_it(
    storage: IdempotencyStorage[Any],
) -> None:
    await storage.take("k", None, running("a"))
    await storage.settle("k", KeyRecord(KeyState.INTERRUPTED, "f", "a"))
    interrupted = await storage.take("k", None, running("b"))
    assert interrupted == KeyRecord(KeyState.INTERRUPTED, "f", "a")
    # Another record in between (someone else took over first): the expectation is stale.
    stale: KeyRecord[Any] = KeyRecord(KeyState.INTERRUPTED, "f", "someone-else")
    assert await storage.take("k", stale, running("b")) == interrupted
    assert await storage.take("k", interrupted, running("b")) is None
    now = await storage.take("k", None, running("c"))
    assert now is not None and now.owner == "b" and now.held


async def test_storage_only_the_holder_settles_its_key(storage: IdempotencyStorage[Any]) -> None:
    await storage.take("k", None, running("a"))
    await storage.settle("k", KeyRecord(KeyState.DONE, "f", "intruder", "theirs"))
    found = await storage.take("k", None, running("b"))
    assert found is not None and found.state is KeyState.RUNNING and found.owner == "a"
    # Nor does a holder settle a key it no longer holds.
    await storage.settle("k", KeyRecord(KeyState.DONE, "f", "a", "mine"))
    await storage.settle("k", KeyRecord(KeyState.DONE, "f", "a", "again"))
    done = await storage.take("k", None, running("b"))
    assert done is not None and done.outcome == "mine"


async def test_storage_wait_returns_once_the_holder_settles(
    storage: IdempotencyStorage[Any],
) -> None:
    await storage.take("k", None, running("a"))
    waiting = asyncio.create_task(storage.wait("k", 0))
    await storage.settle("k", KeyRecord(KeyState.DONE, "f", "a", 1))
    await asyncio.wait_for(waiting, PATIENCE_S)


async def test_a_cancelled_first_attempt_is_resumed_by_the_retry(make_store: StoreFactory) -> None:
    store = make_store()
    started = asyncio.Event()
    ran: list[str] = []

    async def never_answers() -> str:
        ran.append("operation")
        started.set()
        await asyncio.Event().wait()
        return "unreachable"

    async def resumed(note: str | None) -> str:
        ran.append("resume")
        return "recognised"

    first = asyncio.create_task(store.run("k", "f", never_answers, resume=resumed))
    await asyncio.wait_for(started.wait(), PATIENCE_S)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await store.run("k", "f", never_answers, resume=resumed) == "recognised"
    assert ran == ["operation", "resume"]


async def test_a_write_done_while_redis_went_away_still_reports_its_outcome(
    redis_server: RedisServer, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with connected_state(redis_url) as state:
        store = IdempotencyKeys(RedisIdempotencyStorage(state.client, state.keys, ANY_JSON))

        async def write_then_lose_redis() -> str:
            redis_server.stop()
            return "written"

        try:
            assert await store.run("k", "f", write_then_lose_redis) == "written"
        finally:
            redis_server.start()
    assert "the outcome could not be stored" in caplog.text


async def test_a_failure_while_redis_went_away_is_the_failure_the_client_sees(
    redis_server: RedisServer, redis_url: str
) -> None:
    async with connected_state(redis_url) as state:
        store = IdempotencyKeys(RedisIdempotencyStorage(state.client, state.keys, ANY_JSON))

        async def fail_and_lose_redis() -> str:
            redis_server.stop()
            raise ConnectionError("the vendor is down")

        try:
            with pytest.raises(ConnectionError, match="the vendor is down"):
                await store.run("k", "f", fail_and_lose_redis)
        finally:
            redis_server.start()
