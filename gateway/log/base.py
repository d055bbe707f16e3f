"""The integration log's interface; a shared (Redis) store implements the same protocol.

``record`` is synchronous (it is called from anywhere, including transport callbacks, and must
never hold up or fail the caller); reading may need a network round trip, so it is async.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from adapters.model import LogEntry, LogSeverity, Vendor

# Entries kept (GATEWAY_LOG_MAX_ENTRIES); older ones are dropped first.
DEFAULT_LOG_MAX_ENTRIES = 10_000


class InvalidLogCursor(ValueError):
    """An ``after`` cursor this log did not issue."""


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Entries must match every field that is set; ``since`` is inclusive."""

    vendor: Vendor | None = None
    order_id: str | None = None
    job_id: str | None = None
    contact_id: str | None = None
    severity: LogSeverity | None = None
    since: datetime | None = None

    def matches(self, entry: LogEntry) -> bool:
        return (
            (self.vendor is None or entry.vendor == self.vendor)
            and (self.order_id is None or entry.order_id == self.order_id)
            and (self.job_id is None or entry.job_id == self.job_id)
            and (self.contact_id is None or entry.contact_id == self.contact_id)
            and (self.severity is None or entry.severity == self.severity)
            and (self.since is None or entry.at >= self.since)
        )


@dataclass(frozen=True, slots=True)
class LogPage:
    """One page, newest first; ``cursors[i]`` is the cursor of ``entries[i]``."""

    entries: tuple[LogEntry, ...]
    cursors: tuple[str, ...]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


class IntegrationLog(Protocol):
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
    ) -> LogEntry: ...

    async def query(self, filter: LogFilter, first: int, after: str | None) -> LogPage:
        """Matching entries newest first, ``first`` of them after the ``after`` cursor."""
        ...

    async def get(self, entry_id: str) -> LogEntry | None: ...

    def tail(self, filter: LogFilter) -> AsyncGenerator[LogEntry, None]:
        """New matching entries as they are recorded; ends when the log is closed."""
        ...

    async def aclose(self) -> None: ...
