import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.model import LogEntry, LogSeverity, Vendor
from gateway.log import InvalidLogCursor, LogFilter, MemoryIntegrationLog


def _fill(log: MemoryIntegrationLog, n: int) -> None:
    for i in range(n):
        log.record(
            LogSeverity.WARNING if i % 2 else LogSeverity.ERROR,
            f"CODE_{i}",
            f"message {i}",
            vendor=Vendor.ENGAGE if i % 3 else Vendor.EXPERTSENDER,
            order_id=f"order-{i % 4}",
            job_id=f"job-{i}",
        )


def test_query_is_newest_first_and_cursor_paged() -> None:
    log = MemoryIntegrationLog()
    _fill(log, 7)
    first = log.query(LogFilter(), 3, None)
    assert [e.code for e in first.entries] == ["CODE_6", "CODE_5", "CODE_4"]
    assert first.has_next_page and not first.has_previous_page and first.total_count == 7
    second = log.query(LogFilter(), 3, first.cursors[-1])
    assert [e.code for e in second.entries] == ["CODE_3", "CODE_2", "CODE_1"]
    assert second.has_previous_page
    last = log.query(LogFilter(), 3, second.cursors[-1])
    assert [e.code for e in last.entries] == ["CODE_0"]
    assert not last.has_next_page


def test_filters_combine() -> None:
    log = MemoryIntegrationLog()
    _fill(log, 12)
    page = log.query(
        LogFilter(vendor=Vendor.ENGAGE, severity=LogSeverity.WARNING, order_id="order-1"), 50, None
    )
    assert page.entries
    for entry in page.entries:
        assert entry.vendor is Vendor.ENGAGE
        assert entry.severity is LogSeverity.WARNING
        assert entry.order_id == "order-1"
    assert [e.code for e in log.query(LogFilter(job_id="job-3"), 50, None).entries] == ["CODE_3"]


def test_since_is_inclusive_and_excludes_older_entries() -> None:
    log = MemoryIntegrationLog()
    _fill(log, 3)
    newest = log.query(LogFilter(), 1, None).entries[0]
    assert log.query(LogFilter(since=newest.at), 50, None).entries[0] == newest
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert log.query(LogFilter(since=later), 50, None).entries == ()


def test_bounded_keeps_the_newest() -> None:
    log = MemoryIntegrationLog(max_entries=5)
    _fill(log, 20)
    page = log.query(LogFilter(), 50, None)
    assert [e.code for e in page.entries] == [f"CODE_{i}" for i in range(19, 14, -1)]
    assert log.get(page.entries[0].entry_id) == page.entries[0]
    assert log.get("1") is None


@pytest.mark.parametrize("cursor", ["garbage", "bG9nOmFiYw", ""])
def test_bad_cursor_is_a_typed_error(cursor: str) -> None:
    with pytest.raises(InvalidLogCursor):
        MemoryIntegrationLog().query(LogFilter(), 5, cursor)


def test_details_are_copied() -> None:
    log = MemoryIntegrationLog()
    details = {"field": ["input", "order"]}
    entry = log.record(LogSeverity.INFO, "X", "x", details=details)
    details["field"] = []
    assert entry.details == {"field": ["input", "order"]}


async def test_tail_sends_new_matching_entries_and_ends_on_close() -> None:
    log = MemoryIntegrationLog()
    log.record(LogSeverity.ERROR, "BEFORE", "recorded before the tail started")
    received: list[LogEntry] = []

    async def consume() -> None:
        async for entry in log.tail(LogFilter(severity=LogSeverity.ERROR)):
            received.append(entry)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.01)
    log.record(LogSeverity.INFO, "SKIPPED", "not an error")
    log.record(LogSeverity.ERROR, "SEEN", "an error")
    await asyncio.sleep(0.01)
    await log.aclose()
    await asyncio.wait_for(task, 1)
    assert [e.code for e in received] == ["SEEN"]


async def test_a_slow_tail_loses_the_oldest_not_memory() -> None:
    log = MemoryIntegrationLog(tail_buffer=3)
    tail = log.tail(LogFilter())
    first = asyncio.ensure_future(tail.__anext__())
    await asyncio.sleep(0.01)
    for i in range(10):
        log.record(LogSeverity.INFO, f"C{i}", "m")
    assert (await asyncio.wait_for(first, 1)).code == "C7"
    rest = [(await asyncio.wait_for(tail.__anext__(), 1)).code for _ in range(2)]
    assert rest == ["C8", "C9"]
    await tail.aclose()
