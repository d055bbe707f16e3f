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

import orjson

from adapters.model import LogEntry, LogSeverity, Vendor
from gateway.log.base import IntegrationLog, LogFilter, LogPage

MESSAGE_MAX_BYTES = 512
KEY_MAX_BYTES = 128
# A job id may carry its whole job (signed ExpertSender job ids): kept whole up to this.
JOB_ID_MAX_BYTES = 2048
CODE_MAX_BYTES = 64
DETAILS_MAX_BYTES = 1024
# An entry's own bytes above, plus what Python spends on the entry's objects.
ENTRY_BUDGET_BYTES = 6144


def clip_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8", "replace")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", "ignore") + "..."


def _clip_key(value: str | None) -> str | None:
    return None if value is None else clip_bytes(value, KEY_MAX_BYTES)


def clip_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    if not details:
        return details
    encoded = orjson.dumps(details, default=str, option=orjson.OPT_NON_STR_KEYS)
    if len(encoded) <= DETAILS_MAX_BYTES:
        return details
    preview = encoded[: DETAILS_MAX_BYTES // 2].decode("utf-8", "ignore")
    return {"truncated": True, "bytes": len(encoded), "preview": preview}


def entries_within(max_entries: int, max_bytes: int) -> int:
    """How many entries a log may keep to stay within ``max_bytes``."""
    return max(1, min(max_entries, max_bytes // ENTRY_BUDGET_BYTES))


class BoundedLog:
    """Wraps any ``IntegrationLog``; only ``record`` changes."""

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
            order_id=_clip_key(order_id),
            job_id=None if job_id is None else clip_bytes(job_id, JOB_ID_MAX_BYTES),
            contact_id=_clip_key(contact_id),
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
