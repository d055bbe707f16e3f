"""The embedded, bounded, in-memory integration log."""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import logging
from collections import deque
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from adapters.model import LogEntry, LogSeverity, Vendor
from gateway.log.base import DEFAULT_LOG_MAX_ENTRIES, InvalidLogCursor, LogFilter, LogPage

logger = logging.getLogger("gateway.integration")

_LOGGING_LEVELS = {
    LogSeverity.INFO: logging.INFO,
    LogSeverity.WARNING: logging.WARNING,
    LogSeverity.ERROR: logging.ERROR,
}
_CURSOR_PREFIX = "log:"
_CLOSED = object()


def _encode_cursor(entry_id: str) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{entry_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidLogCursor(f"Invalid cursor {cursor[:64]!r}") from None
    if not text.startswith(_CURSOR_PREFIX) or not text[len(_CURSOR_PREFIX) :].isdigit():
        raise InvalidLogCursor(f"Invalid cursor {cursor[:64]!r}")
    return int(text[len(_CURSOR_PREFIX) :])


class MemoryIntegrationLog:
    """Keeps the newest ``max_entries``; each live tail has a bounded queue of ``tail_buffer``
    entries so one slow subscriber cannot grow memory without bound (it loses the oldest)."""

    def __init__(
        self, max_entries: int = DEFAULT_LOG_MAX_ENTRIES, *, tail_buffer: int = 1_000
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._entries: deque[LogEntry] = deque(maxlen=max_entries)
        self._ids = itertools.count(1)
        self._tails: set[asyncio.Queue[object]] = set()
        self._tail_buffer = tail_buffer
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
        entry = LogEntry(
            entry_id=str(next(self._ids)),
            at=datetime.now(UTC),
            severity=severity,
            code=code,
            message=message,
            vendor=vendor,
            order_id=order_id,
            job_id=job_id,
            contact_id=contact_id,
            details=dict(details or {}),
        )
        self._entries.append(entry)
        logger.log(
            _LOGGING_LEVELS[severity],
            "%s %s: %s",
            vendor.value if vendor else "-",
            code,
            message,
            extra={"order_id": order_id, "job_id": job_id, "contact_id": contact_id},
        )
        for queue in self._tails:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(entry)
        return entry

    async def query(self, filter: LogFilter, first: int, after: str | None) -> LogPage:
        if first < 0:
            raise ValueError("first must not be negative")
        before_id = _decode_cursor(after) if after is not None else None
        matching = [entry for entry in reversed(self._entries) if filter.matches(entry)]
        start = 0
        if before_id is not None:
            start = next(
                (i for i, entry in enumerate(matching) if int(entry.entry_id) < before_id),
                len(matching),
            )
        page = matching[start : start + first]
        return LogPage(
            entries=tuple(page),
            cursors=tuple(_encode_cursor(entry.entry_id) for entry in page),
            has_next_page=start + first < len(matching),
            has_previous_page=start > 0,
            total_count=len(matching),
        )

    async def get(self, entry_id: str) -> LogEntry | None:
        return next((entry for entry in self._entries if entry.entry_id == entry_id), None)

    async def tail(self, filter: LogFilter) -> AsyncGenerator[LogEntry, None]:
        if self._closed:
            return
        queue: asyncio.Queue[object] = asyncio.Queue(maxsize=self._tail_buffer)
        self._tails.add(queue)
        try:
            while True:
                item = await queue.get()
                if item is _CLOSED:
                    return
                assert isinstance(item, LogEntry)
                if filter.matches(item):
                    yield item
        finally:
            self._tails.discard(queue)

    async def aclose(self) -> None:
        self._closed = True
        for queue in self._tails:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(_CLOSED)
