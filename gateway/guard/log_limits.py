"""An integration log whose entries, and so the whole log, are bounded in bytes.

Whatever a log entry records may come from a client (an order id) or a vendor (its messages):
each text is cut to a byte length and the details to an encoded size, so an entry costs at
most about ``ENTRY_BUDGET_BYTES`` of memory and the log at most that times its capacity.
(Clients read entries through ``integrationLog``, which takes out the transport details
they must not see; the process log keeps them.)
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from adapters.model import LogEntry, LogSeverity, Vendor
from gateway.log import (
    CODE_MAX_BYTES,
    ENTRY_BUDGET_BYTES,
    JOB_ID_MAX_BYTES,
    MESSAGE_MAX_BYTES,
    IntegrationLog,
    LogFilter,
    LogPage,
    clip_bytes,
    clip_details,
    clip_key,
    entries_within,
)

__all__ = ["ENTRY_BUDGET_BYTES", "BoundedLog", "clip_bytes", "entries_within"]


class BoundedLog:
    """Wraps an ``IntegrationLog``; only ``record`` changes (the log's own ``record`` cuts each
    entry the same way, so wrapping changes nothing any more)."""

    def __init__(self, inner: IntegrationLog) -> None:
        self.inner = inner

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
        return self.inner.record(
            severity,
            clip_bytes(code, CODE_MAX_BYTES),
            clip_bytes(message, MESSAGE_MAX_BYTES),
            vendor=vendor,
            order_id=clip_key(order_id),
            job_id=None if job_id is None else clip_bytes(job_id, JOB_ID_MAX_BYTES),
            contact_id=clip_key(contact_id),
            details=clip_details(details),
        )

    async def query(self, filter: LogFilter, first: int, after: str | None) -> LogPage:
        return await self.inner.query(filter, first, after)

    async def get(self, entry_id: str) -> LogEntry | None:
        return await self.inner.get(entry_id)

    def tail(self, filter: LogFilter) -> AsyncGenerator[LogEntry, None]:
        return self.inner.tail(filter)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def __getattr__(self, name: str) -> Any:
        # What a particular log offers beyond the protocol (a Redis log's buffer) passes through.
        return getattr(self.inner, name)
