"""``Subscription``: live job progress and a live tail of the integration log.

Both streams are fed by shared sources (the job's single poller, the log), never by polling per
subscriber; closing a subscription closes its source iterator at once, so a client that goes
away leaves nothing running.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated, TypeVar

import strawberry

from adapters.errors import JobNotFound, UpstreamError
from gateway.errors import GatewayError, InvalidGlobalId, InvalidId, upstream_failure
from gateway.ids import NodeType, decode_id
from gateway.schema.info import GatewayInfo
from gateway.schema.job import Job
from gateway.schema.log_entry import IntegrationLogEntry, IntegrationLogFilter, log_filter_of

T = TypeVar("T")


@strawberry.type(
    description="Live updates, over WebSocket (graphql-transport-ws, graphql-ws) or SSE."
)
class Subscription:
    @strawberry.subscription(  # type: ignore[untyped-decorator]
        description=(
            "The job now, then again at every change of its state, until a final state "
            "(COMPLETED, COMPLETED_WITH_ERRORS or FAILED), after which the stream completes. "
            "A job already final is sent once. A job that never finishes ends FAILED with "
            "the error code JOB_TIMEOUT. However many clients watch a job, the vendor is "
            "polled once for it."
        )
    )
    async def job_progress(
        self,
        info: GatewayInfo,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The job's global id, as returned by a mutation or Query.job."
            ),
        ],
    ) -> AsyncGenerator[Job, None]:
        try:
            global_id = decode_id(str(id), expect=NodeType.JOB)
        except InvalidGlobalId as exc:
            raise InvalidId(str(exc)) from None
        vendor = global_id.vendor
        assert vendor is not None  # decode_id guarantees a vendor on job ids
        updates = info.context.services.jobs.watch(vendor, global_id.key)
        try:
            async with aclosing(updates):
                async for job in updates:
                    yield Job.of(job)
        except JobNotFound:
            raise GatewayError(
                f"No job with id {id!s} is known to the gateway or to {vendor.value}.",
                code=JobNotFound.code,
                vendor=vendor,
            ) from None
        except UpstreamError as exc:
            raise upstream_failure(exc) from None

    @strawberry.subscription(  # type: ignore[untyped-decorator]
        description=(
            "New integration-log entries as they are recorded (entries recorded before the "
            "subscription started are not sent: query Query.integrationLog for those)."
        )
    )
    async def integration_log(
        self,
        info: GatewayInfo,
        filter: Annotated[
            IntegrationLogFilter | None,
            strawberry.argument(description="Only entries matching every field given."),
        ] = None,
    ) -> AsyncGenerator[IntegrationLogEntry, None]:
        entries = info.context.services.log.tail(log_filter_of(filter))
        async with aclosing(entries):
            async for entry in entries:
                yield IntegrationLogEntry.of(entry)
