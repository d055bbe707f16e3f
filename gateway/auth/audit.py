"""Who did what: every integration-log entry names the client it was recorded for, and a
client without ``log:read`` sees only its own entries.

``AuditedLog`` wraps whichever log the gateway uses (memory or Redis). The client comes from
the request's context (``current_client``), which tasks started by the request inherit: the
poller of a job written by a client records the job's outcome under that client's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator
from typing import Any

from adapters.model import Job, LogEntry, LogSeverity, Vendor
from gateway.auth.principal import LOG_READ, current_client
from gateway.log import IntegrationLog, LogFilter, LogPage

CLIENT_DETAIL = "client"
WRITE_ACCEPTED = "WRITE_ACCEPTED"


# No client has this name (names are checked on the way in): a filter for it matches nothing.
_NOBODY = "\x00nobody"


def _visible_to(filter: LogFilter) -> LogFilter:
    principal = current_client.get()
    if principal is None or principal.allows(LOG_READ):
        return filter
    if filter.client not in (None, principal.name):
        return dataclasses.replace(filter, client=_NOBODY)  # another client's entries
    return dataclasses.replace(filter, client=principal.name)


class AuditedLog:
    def __init__(self, log: IntegrationLog) -> None:
        self.inner = log

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
        principal = current_client.get()
        # Open access knows nobody by name: there is no one to record.
        if principal is not None and not principal.unrestricted:
            details = {**(details or {}), CLIENT_DETAIL: principal.name}
        return self.inner.record(
            severity,
            code,
            message,
            vendor=vendor,
            order_id=order_id,
            job_id=job_id,
            contact_id=contact_id,
            details=details,
        )

    async def query(self, filter: LogFilter, first: int, after: str | None) -> LogPage:
        return await self.inner.query(_visible_to(filter), first, after)

    async def get(self, entry_id: str) -> LogEntry | None:
        entry = await self.inner.get(entry_id)
        if entry is None or not _visible_to(LogFilter()).matches(entry):
            return None
        return entry

    def tail(self, filter: LogFilter) -> AsyncGenerator[LogEntry, None]:
        return self.inner.tail(_visible_to(filter))

    async def aclose(self) -> None:
        await self.inner.aclose()


def record_accepted(log: IntegrationLog, operation: str, job: Job) -> None:
    """The audit line of a write the vendor accepted (its outcome is recorded when final);
    under open access nobody is known by name, so there is nothing to audit."""
    principal = current_client.get()
    if principal is None or principal.unrestricted:
        return
    log.record(
        LogSeverity.INFO,
        WRITE_ACCEPTED,
        f"{operation} of order {job.order_id} accepted by {job.vendor.value}",
        vendor=job.vendor,
        order_id=job.order_id,
        job_id=job.job_id,
        details={"operation": operation},
    )


def client_idempotency_key(key: str) -> str:
    """``key`` in the namespace of the client that chose it: two clients picking the same key
    must neither replay nor read each other's writes."""
    principal = current_client.get()
    if principal is None or principal.unrestricted:
        return key
    return f"client:{principal.name}:{key}"
