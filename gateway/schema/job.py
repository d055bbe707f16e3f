"""The ``Job`` node: one accepted write, followed until it ends."""

from __future__ import annotations

from datetime import datetime

import strawberry

from adapters import model
from adapters.model import JobOperation, JobState, Vendor
from gateway.ids import NodeType, encode_id
from gateway.schema.info import GatewayInfo
from gateway.schema.node import Node
from gateway.schema.order import Order


@strawberry.type(description="A warning or error a job reported.")
class JobMessage:
    code: str = strawberry.field(description="Machine-readable code, e.g. ContactMissing.")
    message: str = strawberry.field(description="Human-readable text, the vendor's own if any.")
    field: list[str] | None = strawberry.field(
        description='Path of the input field concerned, e.g. ["input","order","storeId"].'
    )

    @classmethod
    def of(cls, message: model.JobMessage) -> JobMessage:
        return cls(
            code=message.code,
            message=message.message,
            field=list(message.field) if message.field is not None else None,
        )


@strawberry.type(
    description=(
        "An accepted write. Engage's jobs are the vendor's own, polled until final; "
        "ExpertSender answers synchronously, so its jobs are born final. Watch one with "
        "Subscription.jobProgress or poll Query.job."
    )
)
class Job(Node):
    vendor: Vendor = strawberry.field(description="The vendor doing the work.")
    vendor_job_id: str | None = strawberry.field(
        description="The vendor's own job id, if the vendor has jobs (Engage)."
    )
    operation: JobOperation = strawberry.field(description="What the job does.")
    state: JobState = strawberry.field(description="Where the job stands.")
    order_id: str = strawberry.field(description="The order the job changes.")
    version_tag: str | None = strawberry.field(
        description="The order version the job produced (Engage), once known."
    )
    errors: list[JobMessage] = strawberry.field(description="Errors reported so far.")
    warnings: list[JobMessage] = strawberry.field(
        description="Warnings, including every field the vendor could not hold."
    )
    created_at: datetime = strawberry.field(description="When the job was accepted.")
    updated_at: datetime = strawberry.field(description="When the job last changed.")
    finished_at: datetime | None = strawberry.field(description="When the job ended, if it has.")

    @classmethod
    def of(cls, job: model.Job) -> Job:
        return cls(
            id=strawberry.ID(encode_id(NodeType.JOB, job.vendor, job.job_id)),
            vendor=job.vendor,
            vendor_job_id=job.vendor_job_id,
            operation=job.operation,
            state=job.state,
            order_id=job.order_id,
            version_tag=job.version_tag,
            errors=[JobMessage.of(m) for m in job.errors],
            warnings=[JobMessage.of(m) for m in job.warnings],
            created_at=job.created_at,
            updated_at=job.updated_at,
            finished_at=job.finished_at,
        )

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The order as the vendor holds it now (null while a create is pending)."
    )
    async def order(self, info: GatewayInfo) -> Order | None:
        found = await info.context.loaders.order(self.vendor, self.order_id)
        return Order.of(self.vendor, found) if found is not None else None
