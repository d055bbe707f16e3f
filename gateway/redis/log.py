"""``RecordingLog`` in a capped Redis Stream shared by every gateway process.

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
import contextlib
import logging
import re
import secrets
from collections import deque
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from adapters.model import LogEntry
from gateway.defaults import DEFAULT_LOG_MAX_ENTRIES
from gateway.errors import InvalidRecord
from gateway.log import DEFAULT_TAIL_BUFFER, Deliver, Position, RecordingLog
from gateway.redis.codec import LOG_ENTRY_CODEC
from gateway.redis.connection import (
    FAILURES,
    UNAVAILABLE,
    describe,
    retry_delay,
    unavailable_as_typed,
)
from gateway.redis.keys import Keys

_internal = logging.getLogger(__name__)

_FIELD = b"entry"
_STREAM_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")
_ENTRY_ID = re.compile(r"^(\d{1,20})-[0-9a-f]{1,32}$")
_SCAN_BATCH = 500
_WRITE_BATCH = 200
# Clocks of gateway hosts and of Redis may differ; ``get`` starts its scan this much earlier.
_CLOCK_SKEW_MS = 5 * 60 * 1000
_SETTLE_TIMEOUT_S = 1.0
BLOCK_MS = 1000
# Entries buffered while Redis is down; past that the oldest are dropped (and counted).
DEFAULT_MAX_PENDING = 10_000


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


class RedisLogStorage:
    """Entries in a capped Redis Stream: written in order by one writer task from a bounded
    buffer, read newest first, and followed for live tails by one reader task per process."""

    def __init__(
        self,
        client: Redis,
        keys: Keys,
        *,
        max_entries: int = DEFAULT_LOG_MAX_ENTRIES,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        if max_entries < 1 or max_pending < 1:
            raise ValueError("max_entries and max_pending must be at least 1")
        self._client = client
        self._stream = keys.log
        self._max_entries = max_entries
        self._pending: deque[LogEntry] = deque(maxlen=max_pending)
        self.dropped = 0  # entries lost because the buffer was full while Redis was down
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._closed = False

    # -- writing -------------------------------------------------------------------------------

    def new_entry_id(self, at: datetime) -> str:
        return f"{int(at.timestamp() * 1000)}-{secrets.token_hex(6)}"

    def append(self, entry: LogEntry) -> None:
        if self._closed:
            return
        if len(self._pending) == self._pending.maxlen:
            self.dropped += 1
        self._pending.append(entry)
        self._wake.set()
        self._start_writer()

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
                await asyncio.sleep(retry_delay(failures))
                failures += 1
                continue
            if failures:
                _internal.warning("integration log: Redis is back; buffered entries written")
            failures = 0
            for entry in batch:
                # A full buffer may already have pushed the oldest ones out on its own.
                if self._pending and self._pending[0] is entry:
                    self._pending.popleft()

    async def settle(self) -> None:
        """Wait (briefly) until this process's own entries are in the stream."""
        self._start_writer()
        deadline = asyncio.get_running_loop().time() + _SETTLE_TIMEOUT_S
        while self._pending and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.005)

    # -- reading -------------------------------------------------------------------------------

    async def newest_first(self) -> AsyncIterator[tuple[Position, LogEntry]]:
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

    def position_text(self, position: Position) -> str:
        return f"{position[0]}-{position[1]}"

    def parse_position(self, text: str) -> Position | None:
        match = _STREAM_ID.match(text)
        return None if match is None else (int(match[1]), int(match[2]))

    async def find(self, entry_id: str) -> LogEntry | None:
        match = _ENTRY_ID.match(entry_id)
        if match is None:
            return None
        await self.settle()
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

    async def follow(self, deliver: Deliver, wanted: Callable[[], bool]) -> None:
        if self._reader is not None and not self._reader.done():
            return
        # Where "from now on" starts; asked here so a tail cannot start while Redis is down
        # without saying so.
        with unavailable_as_typed("starting a live tail of the integration log"):
            newest = _items(await self._client.xrevrange(self._stream, "+", "-", count=1))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(
                self._follow_stream(newest[0][0] if newest else "0-0", deliver, wanted),
                name="integration-log-reader",
            )

    async def _follow_stream(self, last: str, deliver: Deliver, wanted: Callable[[], bool]) -> None:
        failures = 0
        while wanted() and not self._closed:
            try:
                answer: Any = await self._client.xread(
                    {self._stream: last}, count=500, block=BLOCK_MS
                )
            except FAILURES as exc:
                if failures == 0:
                    _internal.warning("integration log tail: Redis unavailable (%s)", describe(exc))
                await asyncio.sleep(retry_delay(failures))
                failures += 1
                continue
            failures = 0
            for _, messages in answer or ():
                for stream_id, entry in _items(messages):
                    last = stream_id
                    if entry is not None:
                        deliver(entry)

    async def aclose(self) -> None:
        """Entries still pending get a short last chance to be written."""
        self._closed = True
        self._wake.set()
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


class RedisIntegrationLog(RecordingLog):
    """The integration log in a capped Redis Stream shared by every gateway process."""

    def __init__(
        self,
        client: Redis,
        keys: Keys,
        *,
        max_entries: int = DEFAULT_LOG_MAX_ENTRIES,
        tail_buffer: int = DEFAULT_TAIL_BUFFER,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        self.storage = RedisLogStorage(
            client, keys, max_entries=max_entries, max_pending=max_pending
        )
        super().__init__(self.storage, tail_buffer=tail_buffer)

    @property
    def dropped(self) -> int:
        """Entries lost because the buffer was full while Redis was down."""
        return self.storage.dropped
