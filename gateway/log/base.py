"""What the integration log is asked and answers: filters, pages, cursors (the log itself is
``gateway.log.recording.IntegrationLog``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
