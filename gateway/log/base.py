"""The integration log's interface, what it is asked and what it answers: filters, pages,
cursors. ``gateway.log.recording.RecordingLog`` implements it once over a storage; wrappers
(auditing, for one) implement it by passing through."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from adapters.model import LogEntry, LogSeverity, Vendor


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Entries must match every field that is set; ``since`` is inclusive."""

    vendor: Vendor | None = None
    order_id: str | None = None
    job_id: str | None = None
    contact_id: str | None = None
    severity: LogSeverity | None = None
    since: datetime | None = None
    client: str | None = None  # the client an entry was recorded for (details["client"])

    def matches(self, entry: LogEntry) -> bool:
        return (
            (self.vendor is None or entry.vendor == self.vendor)
            and (self.order_id is None or entry.order_id == self.order_id)
            and (self.job_id is None or entry.job_id == self.job_id)
            and (self.contact_id is None or entry.contact_id == self.contact_id)
            and (self.severity is None or entry.severity == self.severity)
            and (self.since is None or entry.at >= self.since)
            and (self.client is None or entry.details.get("client") == self.client)
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
    """``record`` is synchronous (it is called from anywhere, including transport callbacks, and
    must never hold up or fail the caller); reading may need a network round trip."""

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

    async def query(self, filter: LogFilter, first: int, after: str | None) -> LogPage: ...

    async def get(self, entry_id: str) -> LogEntry | None: ...

    def tail(self, filter: LogFilter) -> AsyncGenerator[LogEntry, None]: ...

    async def aclose(self) -> None: ...
