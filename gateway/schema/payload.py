"""What every order mutation returns."""

from __future__ import annotations

import strawberry

from adapters.model import Vendor
from gateway.errors import UserErrorInfo
from gateway.schema.info import GatewayInfo
from gateway.schema.job import Job
from gateway.schema.order import Order


@strawberry.type(
    description=(
        "A failure the client can fix (invalid input, already exists, not found, unsupported "
        "by the vendor), with the vendor's own message where it gave one."
    )
)
class UserError:
    code: str = strawberry.field(
        description="Machine-readable code, e.g. ORDER_ALREADY_EXISTS or VALIDATION_FAILED."
    )
    message: str = strawberry.field(description="Human-readable text, the vendor's own if any.")
    field: list[str] | None = strawberry.field(
        description='Path of the input field at fault, e.g. ["input","order","lines",'
        '"0","sku"]; null when the whole input is at fault.'
    )
    vendor_code: str | None = strawberry.field(
        default=None,
        description=(
            "The vendor's own code for this failure (Engage's errorCode or field code, "
            "ExpertSender's substatus) where it gave one; null for the gateway's own checks. "
            "`code` is the same for the same mistake whichever vendor found it."
        ),
    )

    @classmethod
    def of(cls, error: UserErrorInfo) -> UserError:
        return cls(
            code=error.code,
            message=error.message,
            field=list(error.field) if error.field is not None else None,
            vendor_code=error.vendor_code,
        )


@strawberry.type(
    description=(
        "The outcome of an order mutation: the job carrying out the write, or the errors "
        "why nothing was written."
    )
)
class OrderMutationPayload:
    job: Job | None = strawberry.field(
        description="The accepted write; null when errors stopped it before the vendor took it."
    )
    errors: list[UserError] = strawberry.field(
        description="Why the mutation was refused; empty when a job was accepted."
    )
    vendor: strawberry.Private[Vendor]
    order_id: strawberry.Private[str]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description=(
            "The order as the vendor holds it now, read after the write was accepted; null "
            "when nothing was accepted, or while an asynchronous create is still pending."
        )
    )
    async def order(self, info: GatewayInfo) -> Order | None:
        if self.job is None:
            return None
        found = await info.context.loaders.order(self.vendor, self.order_id)
        return Order.of(self.vendor, found) if found is not None else None
