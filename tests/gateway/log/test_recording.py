"""The integration log's contract (``IntegrationLog``), run over the memory storage and the
Redis stream storage alike; the bound on size is each one's own (exact in memory, approximate
``MAXLEN ~`` in Redis)."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.model import LogEntry, LogSeverity, Vendor
from gateway.log import IntegrationLog, InvalidLogCursor, LogFilter, MemoryIntegrationLog
from tests.support.observe import PATIENCE_S, log_tail_follows
from tests.support.redis import connected_state, running_url

LogFactory = Callable[..., IntegrationLog]


@pytest.fixture(params=["memory", "redis"])
async def make_log(request: pytest.FixtureRequest) -> AsyncIterator[LogFactory]:
    logs: list[IntegrationLog] = []
    if request.param == "memory":

        def memory(**options: Any) -> IntegrationLog:
            logs.append(MemoryIntegrationLog(**options))
            return logs[-1]

        yield memory
    else:
        async with connected_state(running_url(request)) as state:

            def redis(**options: Any) -> IntegrationLog:
                from gateway.redis.log import RedisIntegrationLog

                logs.append(RedisIntegrationLog(state.client, state.keys, **options))
                return logs[-1]

            yield redis
            for log in logs:
                await log.aclose()
        return
    for log in logs:
        await log.aclose()


def _fill(log: IntegrationLog, n: int) -> None:
    for i in range(n):
        log.record(
            LogSeverity.WARNING if i % 2 else LogSeverity.ERROR,
            f"CODE_{i}",
            f"message {i}",
            vendor=Vendor.ENGAGE if i % 3 else Vendor.EXPERTSENDER,
            order_id=f"order-{i % 4}",
            job_id=f"job-{i}",
        )


async def eventually(check: Callable[[], bool], timeout: float = PATIENCE_S) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


async def test_query_is_newest_first_and_cursor_paged(make_log: LogFactory) -> None:
    log = make_log()
    _fill(log, 7)
    first = await log.query(LogFilter(), 3, None)
    assert [e.code for e in first.entries] == ["CODE_6", "CODE_5", "CODE_4"]
    assert first.has_next_page and not first.has_previous_page and first.total_count == 7
    second = await log.query(LogFilter(), 3, first.cursors[-1])
    assert [e.code for e in second.entries] == ["CODE_3", "CODE_2", "CODE_1"]
    assert second.has_previous_page
    last = await log.query(LogFilter(), 3, second.cursors[-1])
    assert [e.code for e in last.entries] == ["CODE_0"]
    assert not last.has_next_page


async def test_filters_combine(make_log: LogFactory) -> None:
    log = make_log()
    _fill(log, 12)
    page = await log.query(
        LogFilter(vendor=Vendor.ENGAGE, severity=LogSeverity.WARNING, order_id="order-1"), 50, None
    )
    assert page.entries
    for entry in page.entries:
        assert entry.vendor is Vendor.ENGAGE
        assert entry.severity is LogSeverity.WARNING
        assert entry.order_id == "order-1"
    by_job = await log.query(LogFilter(job_id="job-3"), 50, None)
    assert [e.code for e in by_job.entries] == ["CODE_3"]


async def test_since_is_inclusive_and_excludes_older_entries(make_log: LogFactory) -> None:
    log = make_log()
    _fill(log, 3)
    newest = (await log.query(LogFilter(), 1, None)).entries[0]
    assert (await log.query(LogFilter(since=newest.at), 50, None)).entries[0] == newest
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert (await log.query(LogFilter(since=later), 50, None)).entries == ()


async def test_entries_are_found_by_id(make_log: LogFactory) -> None:
    log = make_log()
    _fill(log, 5)
    entry = log.record(LogSeverity.INFO, "FIND_ME", "by id", details={"n": 1})
    _fill(log, 3)
    assert await log.get(entry.entry_id) == entry
    assert await log.get("no-such-entry") is None


async def test_bounded_memory_log_keeps_the_newest() -> None:
    log = MemoryIntegrationLog(max_entries=5)
    _fill(log, 20)
    page = await log.query(LogFilter(), 50, None)
    assert [e.code for e in page.entries] == [f"CODE_{i}" for i in range(19, 14, -1)]
    assert await log.get(page.entries[0].entry_id) == page.entries[0]
    assert await log.get("1") is None


@pytest.mark.parametrize("cursor", ["garbage", "bG9nOmFiYw", ""])
async def test_bad_cursor_is_a_typed_error(make_log: LogFactory, cursor: str) -> None:
    with pytest.raises(InvalidLogCursor):
        await make_log().query(LogFilter(), 5, cursor)


async def test_details_are_copied(make_log: LogFactory) -> None:
    log = make_log()
    details = {"field": ["input", "order"]}
    entry = log.record(LogSeverity.INFO, "X", "x", details=details)
    details["field"] = []
    assert entry.details == {"field": ["input", "order"]}
    [stored] = (await log.query(LogFilter(), 5, None)).entries
    assert stored.details == {"field": ["input", "order"]}


async def test_tail_sends_new_matching_entries_and_ends_on_close(make_log: LogFactory) -> None:
    log = make_log()
    log.record(LogSeverity.ERROR, "BEFORE", "recorded before the tail started")
    await log.query(LogFilter(), 1, None)  # settled: the entry is in the log
    received: list[LogEntry] = []
    tail = log.tail(LogFilter(severity=LogSeverity.ERROR))
    first = asyncio.ensure_future(anext(tail))
    # A busy machine may take a while to start the tail (in Redis, its first read).
    await eventually(lambda: log_tail_follows(log))
    log.record(LogSeverity.INFO, "SKIPPED", "not an error")
    log.record(LogSeverity.ERROR, "SEEN", "an error")
    received.append(await asyncio.wait_for(first, PATIENCE_S))

    async def consume() -> None:
        async for entry in tail:
            received.append(entry)

    task = asyncio.create_task(consume())
    await log.aclose()
    await asyncio.wait_for(task, PATIENCE_S)
    assert [e.code for e in received] == ["SEEN"]


async def test_a_slow_tail_loses_the_oldest_not_memory(make_log: LogFactory) -> None:
    log = make_log(tail_buffer=3)
    tail = log.tail(LogFilter())
    first = asyncio.ensure_future(anext(tail))  # a reader waiting, then falling behind
    await eventually(lambda: log_tail_follows(log))
    for i in range(10):
        log.record(LogSeverity.INFO, f"C{i}", "m")
    codes = [(await asyncio.wait_for(first, PATIENCE_S)).code]
    while True:
        try:
            codes.append((await asyncio.wait_for(anext(tail), 0.5)).code)
        except TimeoutError:
            break
    # The waiting reader may take the first entry; of the rest only the newest 3 were kept.
    assert codes[-3:] == ["C7", "C8", "C9"]
    assert len(codes) <= 4
    await tail.aclose()
