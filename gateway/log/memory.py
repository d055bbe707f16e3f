"""The embedded, bounded, in-memory integration log."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from adapters.model import LogEntry
from gateway.defaults import DEFAULT_LOG_MAX_ENTRIES
from gateway.log.recording import DEFAULT_TAIL_BUFFER, Deliver, Position, RecordingLog


class MemoryLogStorage:
    """The newest ``max_entries`` in a deque, numbered in order; new entries go straight to
    this process's tails."""

    def __init__(self, max_entries: int = DEFAULT_LOG_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._entries: deque[LogEntry] = deque(maxlen=max_entries)
        self._ids = itertools.count(1)
        self._deliver: Deliver | None = None

    def new_entry_id(self, at: datetime) -> str:
        return str(next(self._ids))

    def append(self, entry: LogEntry) -> None:
        self._entries.append(entry)
        if self._deliver is not None:
            self._deliver(entry)

    async def settle(self) -> None:
        return None

    async def newest_first(self) -> AsyncIterator[tuple[Position, LogEntry]]:
        for entry in reversed(self._entries):
            yield (int(entry.entry_id), 0), entry

    def position_text(self, position: Position) -> str:
        return str(position[0])

    def parse_position(self, text: str) -> Position | None:
        return (int(text), 0) if text.isdigit() else None

    async def find(self, entry_id: str) -> LogEntry | None:
        return next((entry for entry in self._entries if entry.entry_id == entry_id), None)

    async def follow(self, deliver: Deliver, wanted: Callable[[], bool]) -> None:
        self._deliver = deliver

    async def aclose(self) -> None:
        return None


class MemoryIntegrationLog(RecordingLog):
    """Keeps the newest ``max_entries``; each live tail has a bounded queue of ``tail_buffer``
    entries so one slow subscriber cannot grow memory without bound (it loses the oldest)."""

    def __init__(
        self, max_entries: int = DEFAULT_LOG_MAX_ENTRIES, *, tail_buffer: int = DEFAULT_TAIL_BUFFER
    ) -> None:
        super().__init__(MemoryLogStorage(max_entries), tail_buffer=tail_buffer)
