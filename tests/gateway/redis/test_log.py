"""The Redis integration log beyond the shared contract: several processes, an outage, the cap."""

import asyncio
from collections.abc import Awaitable, Callable

from adapters.model import LogSeverity, Vendor
from gateway.errors import StateStoreUnavailable
from gateway.log import LogFilter, LogPage
from gateway.redis import SharedState
from gateway.redis.log import RedisIntegrationLog
from tests.support.observe import PATIENCE_S, log_tail_follows, until
from tests.support.redis import RedisServer, connected_state


async def test_what_one_process_records_another_queries_and_tails(
    redis_url: str, redis_prefix: str
) -> None:
    async with (
        connected_state(redis_url, redis_prefix) as one,
        connected_state(redis_url, redis_prefix) as two,
    ):
        writer, reader = one.integration_log(max_entries=100), two.integration_log(max_entries=100)
        tail = reader.tail(LogFilter(vendor=Vendor.ENGAGE))
        first = asyncio.ensure_future(anext(tail))
        # A busy machine may take a while to start the tail: wait until it follows the stream.
        await until(_follows(reader), "the tail following the stream")
        writer.record(LogSeverity.INFO, "OTHER_VENDOR", "m", vendor=Vendor.EXPERTSENDER)
        entry = writer.record(LogSeverity.ERROR, "SEEN", "m", vendor=Vendor.ENGAGE, order_id="o")
        assert await asyncio.wait_for(first, PATIENCE_S) == entry
        page = await reader.query(LogFilter(order_id="o"), 10, None)
        assert page.entries == (entry,)
        assert await reader.get(entry.entry_id) == entry
        await tail.aclose()
        await writer.aclose()
        await reader.aclose()


async def test_entries_recorded_while_redis_is_down_are_written_when_it_is_back(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    async with connected_state(redis_server.url, redis_prefix) as state:
        log = state.integration_log(max_entries=100)
        log.record(LogSeverity.INFO, "BEFORE", "m")
        await log.query(LogFilter(), 1, None)
        redis_server.stop()
        try:
            await asyncio.wait_for(_until_unavailable(state), PATIENCE_S)
            during = [log.record(LogSeverity.WARNING, f"DURING_{i}", "m") for i in range(3)]
            await asyncio.sleep(0.2)  # the writer tries, fails, and keeps them
        finally:
            redis_server.start()
        page = await _query_when_back(log)
        assert [e.code for e in page.entries] == ["DURING_2", "DURING_1", "DURING_0"]
        assert [e.entry_id for e in page.entries] == [e.entry_id for e in reversed(during)]
        assert log.dropped == 0
        await log.aclose()


def _follows(log: RedisIntegrationLog) -> Callable[[], Awaitable[bool]]:
    async def follows() -> bool:
        return log_tail_follows(log)

    return follows


async def _until_unavailable(state: SharedState) -> None:
    while state.available:
        await asyncio.sleep(0.01)


async def _query_when_back(log: RedisIntegrationLog) -> LogPage:
    async with asyncio.timeout(PATIENCE_S):
        while True:
            try:
                page = await log.query(LogFilter(), 10, None)
            except StateStoreUnavailable:
                await asyncio.sleep(0.1)
                continue
            if len(page.entries) == 3:  # Redis came back empty: only what waited
                return page
            await asyncio.sleep(0.05)


async def test_the_stream_is_capped_near_max_entries(redis_url: str, redis_prefix: str) -> None:
    async with connected_state(redis_url, redis_prefix) as state:
        log = state.integration_log(max_entries=100)
        for i in range(1000):
            log.record(LogSeverity.INFO, f"C{i}", "m")
        page = await log.query(LogFilter(), 1, None)
        assert page.entries[0].code == "C999"
        # MAXLEN ~ trims whole stream nodes (100 entries each by default): near, not exact.
        assert 100 <= page.total_count <= 300
        assert await state.client.xlen(state.keys.log) == page.total_count
        await log.aclose()


async def test_a_foreign_record_in_the_stream_is_skipped(redis_url: str, redis_prefix: str) -> None:
    async with connected_state(redis_url, redis_prefix) as state:
        log = state.integration_log(max_entries=100)
        log.record(LogSeverity.INFO, "OURS", "m")
        await log.query(LogFilter(), 1, None)
        await state.client.xadd(state.keys.log, {b"entry": b"{broken"})
        await state.client.xadd(state.keys.log, {b"other": b"x"})
        page = await log.query(LogFilter(), 10, None)
        assert [e.code for e in page.entries] == ["OURS"]
        await log.aclose()
