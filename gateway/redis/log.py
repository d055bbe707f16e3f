"""``IntegrationLog`` in a capped Redis Stream shared by every gateway process.

``record`` must never block or fail the request that reports something, so it returns the
entry at once and a writer task appends it with ``XADD ... MAXLEN ~`` (in order, batched).
While Redis is down entries wait in a bounded buffer (the oldest dropped first, and counted)
and are written when it is back. A query first waits briefly for this process's own pending
entries, so a client reads what it just caused.

Queries read the stream newest first (``XREVRANGE``) and filter here; cursors are stream ids.
Live tails share one reader per process that follows the stream with ``XREAD BLOCK`` from the
last id it saw, so an outage delays a tail but loses nothing the stream still holds.

An entry's id is made when it is recorded, before Redis has seen it: its record time in
milliseconds and a random part. ``get`` finds it by scanning the stream from shortly before
that time.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import re
import secrets
from collections import deque
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from adapters.model import LogEntry, LogSeverity, Vendor
from gateway.log.base import DEFAULT_LOG_MAX_ENTRIES, InvalidLogCursor, LogFilter, LogPage
from gateway.redis.codec import LOG_ENTRY_CODEC, InvalidRecord
from gateway.redis.connection import FAILURES, UNAVAILABLE, describe, unavailable_as_typed
from gateway.redis.keys import Keys

logger = logging.getLogger("gateway.integration")
_internal = logging.getLogger(__name__)

_LOGGING_LEVELS = {
    LogSeverity.INFO: logging.INFO,
    LogSeverity.WARNING: logging.WARNING,
    LogSeverity.ERROR: logging.ERROR,
}
_FIELD = b"entry"
_CURSOR_PREFIX = "log:"
_STREAM_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")
_ENTRY_ID = re.compile(r"^(\d{1,20})-[0-9a-f]{1,32}$")
_SCAN_BATCH = 500
_WRITE_BATCH = 200
# Clocks of gateway hosts and of Redis may differ; ``get`` starts its scan this much earlier.
_CLOCK_SKEW_MS = 5 * 60 * 1000
_RETRY_DELAYS_S = (0.05, 0.2, 0.5, 1.0, 2.0)
_SETTLE_TIMEOUT_S = 1.0
BLOCK_MS = 1000


def _encode_cursor(stream_id: str) -> str:
    raw = f"{_CURSOR_PREFIX}{stream_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidLogCursor(f"Invalid cursor {cursor[:64]!r}") from None
    match = (
        _STREAM_ID.match(text[len(_CURSOR_PREFIX) :]) if text.startswith(_CURSOR_PREFIX) else None
    )
    if match is None:
        raise InvalidLogCursor(f"Invalid cursor {cursor[:64]!r}")
    return int(match[1]), int(match[2])


def _stream_id(raw: bytes | str) -> tuple[int, int]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _entry(fields: Any) -> LogEntry | None:
    data = fields.get(_FIELD) if isinstance(fields, dict) else None
    if not isinstance(data, bytes):
        return None
    try:
        return LOG_ENTRY_CODEC.decode(data)
    except InvalidRecord:
        return None


def _items(batch: Any) -> list[tuple[str, LogEntry | None]]:
    """``(stream id, entry)`` of an XRANGE/XREVRANGE answer; None for a foreign record."""
    return [(_text(raw_id), _entry(fields)) for raw_id, fields in batch or ()]


class RedisIntegrationLog:
    def __init__(
        self,
        client: Redis,
        keys: Keys,
        *,
        max_entries: int = DEFAULT_LOG_MAX_ENTRIES,
        tail_buffer: int = 1_000,
        max_pending: int = 10_000,
    ) -> None:
        if max_entries < 1 or tail_buffer < 1 or max_pending < 1:
            raise ValueError("max_entries, tail_buffer and max_pending must be at least 1")
        self._client = client
        self._stream = keys.log
        self._max_entries = max_entries
        self._tail_buffer = tail_buffer
        self._pending: deque[LogEntry] = deque(maxlen=max_pending)
        self.dropped = 0  # entries lost because the buffer was full while Redis was down
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._tails: set[asyncio.Queue[LogEntry | None]] = set()
        self._reader: asyncio.Task[None] | None = None
        self._closed = False

    # -- recording -----------------------------------------------------------------------------

    def record(
        self,
        severity: LogSeverity,
        code: str,
        message: str,
        *,
        vendor: Vendor | None = None,
        order_id: str | None = None,
        job_id: str | None = None,
        contact_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> LogEntry:
        at = datetime.now(UTC)
        entry = LogEntry(
            entry_id=f"{int(at.timestamp() * 1000)}-{secrets.token_hex(6)}",
            at=at,
            severity=severity,
            code=code,
            message=message,
            vendor=vendor,
            order_id=order_id,
            job_id=job_id,
            contact_id=contact_id,
            details=dict(details or {}),
        )
        logger.log(
            _LOGGING_LEVELS[severity],
            "%s %s: %s",
            vendor.value if vendor else "-",
            code,
            message,
            extra={"order_id": order_id, "job_id": job_id, "contact_id": contact_id},
        )
        if self._closed:
            return entry
        if len(self._pending) == self._pending.maxlen:
            self.dropped += 1
        self._pending.append(entry)
        self._wake.set()
        self._start_writer()
        return entry

    def _start_writer(self) -> None:
        if self._writer is not None and not self._writer.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # recorded outside the event loop: written by the next record or query
        self._writer = loop.create_task(self._write_pending(), name="integration-log-writer")

    async def _write_pending(self) -> None:
        failures = 0
        while True:
            if not self._pending:
                if self._closed:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = [self._pending[i] for i in range(min(_WRITE_BATCH, len(self._pending)))]
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for entry in batch:
                        pipe.xadd(
                            self._stream,
                            {_FIELD: LOG_ENTRY_CODEC.encode(entry)},
                            maxlen=self._max_entries,
                            approximate=True,
                        )
                    await pipe.execute()
            except UNAVAILABLE as exc:
                if failures == 0:
                    _internal.warning(
                        "integration log: Redis unavailable (%s); buffering entries",
                        describe(exc),
                    )
                if self._closed:
                    return
                await asyncio.sleep(_RETRY_DELAYS_S[min(failures, len(_RETRY_DELAYS_S) - 1)])
                failures += 1
                continue
            if failures:
                _internal.warning("integration log: Redis is back; buffered entries written")
            failures = 0
            for entry in batch:
                # A full buffer may already have pushed the oldest ones out on its own.
                if self._pending and self._pending[0] is entry:
                    self._pending.popleft()

    async def _settle(self) -> None:
        """Wait (briefly) until this process's own entries are in the stream."""
        self._start_writer()
        deadline = asyncio.get_running_loop().time() + _SETTLE_TIMEOUT_S
        while self._pending and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.005)

    # -- reading -------------------------------------------------------------------------------

    async def _newest_first(self) -> AsyncGenerator[tuple[tuple[int, int], LogEntry], None]:
        upper = "+"
        while True:
            with unavailable_as_typed("reading the integration log"):
                batch = _items(
                    await self._client.xrevrange(self._stream, upper, "-", count=_SCAN_BATCH)
                )
            for stream_id, entry in batch:
                if entry is not None:
                    yield _stream_id(stream_id), entry
            if len(batch) < _SCAN_BATCH:
                return
            upper = f"({batch[-1][0]}"

    async def query(self, filter: LogFilter, first: int, after: str | None) -> LogPage:
        if first < 0:
            raise ValueError("first must not be negative")
        before = _decode_cursor(after) if after is not None else None
        await self._settle()
        page: list[tuple[tuple[int, int], LogEntry]] = []
        newer = 0  # matching entries at or above the cursor
        total = 0
        async for stream_id, entry in self._newest_first():
            if not filter.matches(entry):
                continue
            total += 1
            if before is not None and stream_id >= before:
                newer += 1
            elif len(page) < first:
                page.append((stream_id, entry))
        return LogPage(
            entries=tuple(entry for _, entry in page),
            cursors=tuple(_encode_cursor(f"{ms}-{seq}") for (ms, seq), _ in page),
            has_next_page=newer + len(page) < total,
            has_previous_page=newer > 0,
            total_count=total,
        )

    async def get(self, entry_id: str) -> LogEntry | None:
        match = _ENTRY_ID.match(entry_id)
        if match is None:
            return None
        await self._settle()
        lower = str(max(int(match[1]) - _CLOCK_SKEW_MS, 0))
        while True:
            with unavailable_as_typed("reading the integration log"):
                batch = _items(
                    await self._client.xrange(self._stream, lower, "+", count=_SCAN_BATCH)
                )
            for _, entry in batch:
                if entry is not None and entry.entry_id == entry_id:
                    return entry
            if len(batch) < _SCAN_BATCH:
                return None
            lower = f"({batch[-1][0]}"

    # -- live tails ----------------------------------------------------------------------------

    async def tail(self, filter: LogFilter) -> AsyncGenerator[LogEntry, None]:
        if self._closed:
            return
        queue: asyncio.Queue[LogEntry | None] = asyncio.Queue(maxsize=self._tail_buffer)
        if self._reader is None or self._reader.done():
            # Where "from now on" starts; asked here so a tail cannot start while Redis is down
            # without saying so.
            with unavailable_as_typed("starting a live tail of the integration log"):
                newest = _items(await self._client.xrevrange(self._stream, "+", "-", count=1))
            if self._reader is None or self._reader.done():
                self._reader = asyncio.get_running_loop().create_task(
                    self._follow_stream(newest[0][0] if newest else "0-0"),
                    name="integration-log-reader",
                )
        self._tails.add(queue)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                if filter.matches(item):
                    yield item
        finally:
            self._tails.discard(queue)

    async def _follow_stream(self, last: str) -> None:
        failures = 0
        while self._tails and not self._closed:
            try:
                answer: Any = await self._client.xread(
                    {self._stream: last}, count=500, block=BLOCK_MS
                )
            except FAILURES as exc:
                if failures == 0:
                    _internal.warning("integration log tail: Redis unavailable (%s)", describe(exc))
                await asyncio.sleep(_RETRY_DELAYS_S[min(failures, len(_RETRY_DELAYS_S) - 1)])
                failures += 1
                continue
            failures = 0
            for _, messages in answer or ():
                for stream_id, entry in _items(messages):
                    last = stream_id
                    if entry is not None:
                        self._deliver(entry)

    def _deliver(self, item: LogEntry | None) -> None:
        for queue in self._tails:
            if queue.full():
                queue.get_nowait()  # a slow tail loses its oldest entry, not memory
            queue.put_nowait(item)

    async def aclose(self) -> None:
        """Ends every tail; entries still pending get a short last chance to be written."""
        self._closed = True
        self._wake.set()
        self._deliver(None)
        if self._writer is not None and not self._writer.done():
            try:
                await asyncio.wait_for(self._writer, _SETTLE_TIMEOUT_S)
            except TimeoutError:
                _internal.warning(
                    "integration log: %d entries not written before shutdown", len(self._pending)
                )
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
