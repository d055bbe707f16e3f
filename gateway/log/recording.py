"""``RecordingLog``: the integration log's logic (``IntegrationLog``), over a storage back-end
that only stores.

What every integration log does, once: make an entry and echo it to the process log, page
matching entries newest first behind opaque cursors, and feed live tails through bounded
queues (a slow tail loses its oldest entries, not memory). Where entries are kept and how new
ones reach the tails is the back-end's (``LogStorage``): a bounded deque in this process
(``gateway.log.memory``) or a capped Redis Stream shared by every process (``gateway.redis.log``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from adapters.model import LogEntry, LogSeverity, Vendor
from gateway.errors import InvalidLogCursor
from gateway.log.base import LogFilter, LogPage
from gateway.log.limits import (
    CODE_MAX_BYTES,
    JOB_ID_MAX_BYTES,
    MESSAGE_MAX_BYTES,
    clip_bytes,
    clip_details,
    clip_key,
)

logger = logging.getLogger("gateway.integration")

_LOGGING_LEVELS = {
    LogSeverity.INFO: logging.INFO,
    LogSeverity.WARNING: logging.WARNING,
    LogSeverity.ERROR: logging.ERROR,
}
_CURSOR_PREFIX = "log:"
DEFAULT_TAIL_BUFFER = 1_000

# Where an entry stands in its log: later entries have larger positions.
Position = tuple[int, int]
# Hands a new entry (or None: the log closed) to every live tail of this process.
Deliver = Callable[[LogEntry | None], None]


class LogStorage(Protocol):
    """Where a log's entries are kept; no paging, filtering or tail policy of its own."""

    def new_entry_id(self, at: datetime) -> str: ...

    def append(self, entry: LogEntry) -> None:
        """Keep ``entry``; returns at once and never raises (a caller only reports)."""
        ...

    async def settle(self) -> None:
        """Wait (briefly) until this process's own appends are readable."""
        ...

    def newest_first(self) -> AsyncIterator[tuple[Position, LogEntry]]: ...

    def position_text(self, position: Position) -> str: ...

    def parse_position(self, text: str) -> Position | None:
        """The position a cursor's text names, or None if this storage never issued it."""
        ...

    async def find(self, entry_id: str) -> LogEntry | None: ...

    async def follow(self, deliver: Deliver, wanted: Callable[[], bool]) -> None:
        """Make sure new entries (this process's and, where shared, others') reach
        ``deliver`` while ``wanted()`` holds."""
        ...

    async def aclose(self) -> None: ...


class RecordingLog:
    """Every warning and error the gateway sees, queryable and live, kept by a ``LogStorage``.

    ``record`` is synchronous (it is called from anywhere, including transport callbacks, and
    must never hold up or fail the caller); reading may need a network round trip, so it is
    async.
    """

    def __init__(self, storage: LogStorage, *, tail_buffer: int = DEFAULT_TAIL_BUFFER) -> None:
        if tail_buffer < 1:
            raise ValueError("tail_buffer must be at least 1")
        self._storage = storage
        self._tail_buffer = tail_buffer
        self._tails: set[asyncio.Queue[LogEntry | None]] = set()
        self._closed = False

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
        # Cut to the entry byte budget before anything keeps it (``gateway.log.limits``).
        entry = LogEntry(
            entry_id=self._storage.new_entry_id(at),
            at=at,
            severity=severity,
            code=clip_bytes(code, CODE_MAX_BYTES),
            message=clip_bytes(message, MESSAGE_MAX_BYTES),
            vendor=vendor,
            order_id=clip_key(order_id),
            job_id=None if job_id is None else clip_bytes(job_id, JOB_ID_MAX_BYTES),
            contact_id=clip_key(contact_id),
            details=dict(clip_details(details) or {}),
        )
        logger.log(
            _LOGGING_LEVELS[severity],
            "%s %s: %s",
            vendor.value if vendor else "-",
            code,
            message,
            extra={"order_id": order_id, "job_id": job_id, "contact_id": contact_id},
        )
        self._storage.append(entry)
        return entry

    async def query(self, filter: LogFilter, first: int, after: str | None) -> LogPage:
        """Matching entries newest first, ``first`` of them after the ``after`` cursor."""
        if first < 0:
            raise ValueError("first must not be negative")
        before = self._decode_cursor(after) if after is not None else None
        await self._storage.settle()
        page: list[tuple[Position, LogEntry]] = []
        newer = 0  # matching entries at or above the cursor
        total = 0
        async for position, entry in self._storage.newest_first():
            if not filter.matches(entry):
                continue
            total += 1
            if before is not None and position >= before:
                newer += 1
            elif len(page) < first:
                page.append((position, entry))
        return LogPage(
            entries=tuple(entry for _, entry in page),
            cursors=tuple(self._encode_cursor(position) for position, _ in page),
            has_next_page=newer + len(page) < total,
            has_previous_page=newer > 0,
            total_count=total,
        )

    async def get(self, entry_id: str) -> LogEntry | None:
        return await self._storage.find(entry_id)

    async def tail(self, filter: LogFilter) -> AsyncGenerator[LogEntry, None]:
        """New matching entries as they are recorded; ends when the log is closed."""
        if self._closed:
            return
        queue: asyncio.Queue[LogEntry | None] = asyncio.Queue(maxsize=self._tail_buffer)
        self._tails.add(queue)
        try:
            await self._storage.follow(self._deliver, self._wanted)
            while True:
                item = await queue.get()
                if item is None:
                    return
                if filter.matches(item):
                    yield item
        finally:
            self._tails.discard(queue)

    async def aclose(self) -> None:
        """Ends every tail; the storage then gets its last chance to keep what is pending."""
        self._closed = True
        self._deliver(None)
        await self._storage.aclose()

    def _wanted(self) -> bool:
        return bool(self._tails) and not self._closed

    def _deliver(self, item: LogEntry | None) -> None:
        for queue in self._tails:
            if queue.full():
                queue.get_nowait()  # a slow tail loses its oldest entry, not memory
            queue.put_nowait(item)

    def _encode_cursor(self, position: Position) -> str:
        raw = f"{_CURSOR_PREFIX}{self._storage.position_text(position)}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode_cursor(self, cursor: str) -> Position:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise InvalidLogCursor(f"Invalid cursor {cursor[:64]!r}") from None
        position = (
            self._storage.parse_position(text[len(_CURSOR_PREFIX) :])
            if text.startswith(_CURSOR_PREFIX)
            else None
        )
        if position is None:
            raise InvalidLogCursor(f"Invalid cursor {cursor[:64]!r}")
        return position
