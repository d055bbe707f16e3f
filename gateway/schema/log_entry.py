"""Integration-log entries and their connection."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from adapters.model import LogEntry, LogSeverity, Vendor
from gateway.errors import InvalidGlobalId
from gateway.ids import NodeType, decode_id, encode_id
from gateway.log import LogFilter
from gateway.public_text import public_message
from gateway.schema.node import Node
from gateway.schema.pagination import PageInfo


@strawberry.type(description="One warning, error or notable event the gateway saw.")
class IntegrationLogEntry(Node):
    at: datetime = strawberry.field(description="When the gateway recorded it.")
    vendor: Vendor | None = strawberry.field(description="The vendor concerned, if one.")
    severity: LogSeverity = strawberry.field(description="How serious it is.")
    code: str = strawberry.field(
        description="Machine-readable code (the vendor's, an error code, or JOB_<STATE>)."
    )
    message: str = strawberry.field(description="Human-readable text, the vendor's own if any.")
    order_id: str | None = strawberry.field(description="The order concerned, if one.")
    job_id: strawberry.ID | None = strawberry.field(
        description="Global id of the job concerned, if one (usable with Query.job)."
    )
    contact_id: str | None = strawberry.field(description="The contact concerned, if one.")
    details: JSON | None = strawberry.field(description="Structured extra data, if any.")

    @classmethod
    def of(cls, entry: LogEntry) -> IntegrationLogEntry:
        job_id = None
        if entry.job_id is not None and entry.vendor is not None:
            job_id = strawberry.ID(encode_id(NodeType.JOB, entry.vendor, entry.job_id))
        return cls(
            id=strawberry.ID(encode_id(NodeType.LOG_ENTRY, entry.vendor, entry.entry_id)),
            at=entry.at,
            vendor=entry.vendor,
            severity=entry.severity,
            code=entry.code,
            # Operators read the transport's details in the process log; clients do not.
            message=public_message(entry.message),
            order_id=entry.order_id,
            job_id=job_id,
            contact_id=entry.contact_id,
            details=cast(JSON, entry.details) if entry.details else None,
        )


@strawberry.type(description="One integration-log entry with its cursor.")
class IntegrationLogEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this entry.")
    node: IntegrationLogEntry = strawberry.field(description="The entry.")


@strawberry.type(description="A page of the integration log, newest first (Relay connection).")
class IntegrationLogConnection:
    edges: list[IntegrationLogEdge] = strawberry.field(description="The entries of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    total_count: int = strawberry.field(
        description="How many entries match the filter (the log keeps a bounded number)."
    )


@strawberry.input(description="Narrows the integration log; every field given must match.")
class IntegrationLogFilter:
    vendor: Vendor | None = strawberry.field(default=None, description="Only this vendor.")
    order_id: str | None = strawberry.field(default=None, description="Only this order id.")
    job_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this job (its global id, or the vendor's raw job id)."
    )
    severity: LogSeverity | None = strawberry.field(default=None, description="Only this severity.")
    since: datetime | None = strawberry.field(
        default=None, description="Only entries recorded at or after this time."
    )
    contact_id: str | None = strawberry.field(default=None, description="Only this contact id.")
    client: str | None = strawberry.field(
        default=None,
        description=(
            "Only entries recorded for this authenticated client (details.client). Without "
            "the scope log:read a client sees its own entries only."
        ),
    )


def log_filter_of(given: IntegrationLogFilter | None) -> LogFilter:
    """The log's filter for a GraphQL filter; ``jobId`` may be a global id or a raw job id."""
    if given is None:
        return LogFilter()
    job_id: str | None = None
    if given.job_id is not None:
        try:
            job_id = decode_id(str(given.job_id), expect=NodeType.JOB).key
        except InvalidGlobalId:
            job_id = str(given.job_id)
    since = given.since
    if since is not None and since.tzinfo is None:
        # An offset-less time can only be compared with the log's UTC times as UTC.
        since = since.replace(tzinfo=UTC)
    return LogFilter(
        vendor=given.vendor,
        order_id=given.order_id,
        job_id=job_id,
        contact_id=given.contact_id,
        severity=given.severity,
        since=since,
        client=given.client,
    )
