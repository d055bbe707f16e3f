"""``Mutation``: every order write, normalised over the vendors' write modes."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import strawberry

from adapters.backend import Backend
from adapters.errors import UnsupportedByVendor
from adapters.model import Job, OrderAction
from gateway.errors import UserErrorInfo
from gateway.schema import convert
from gateway.schema.info import GatewayInfo
from gateway.schema.inputs import (
    ChangeOrderStatusInput,
    DeleteOrderInput,
    OrderActionInput,
    TriggerOrderActionInput,
    WriteOrderInput,
)
from gateway.schema.payload import OrderMutationPayload
from gateway.schema.write import WriteRequest, run_write


def _action_errors(action: OrderActionInput | None, path: tuple[str, ...]) -> list[UserErrorInfo]:
    if action is None:
        return []
    return convert.check_action(action.action, action.custom_action, path)


@strawberry.type(description="Order writes. Each returns the job carrying it out.")
class Mutation:
    @strawberry.mutation(  # type: ignore[untyped-decorator]
        description=(
            "Create (ADD), replace (REPLACE) or upsert (ADD_OR_REPLACE) a whole order. Fields "
            "the vendor has no place for are reported as job warnings, never dropped silently."
        )
    )
    async def write_order(
        self,
        info: GatewayInfo,
        input: Annotated[
            WriteOrderInput, strawberry.argument(description="What to write, and where.")
        ],
    ) -> OrderMutationPayload:
        errors = convert.check_idempotency_key(input.idempotency_key)
        errors += convert.check_order(input.order)
        errors += _action_errors(input.order_action, ("input", "orderAction"))
        order = convert.to_order(input.order) if not errors else None
        action = convert.to_action(input.order_action)

        async def call(backend: Backend) -> Job:
            assert order is not None
            return await backend.write_order(order, input.mode, action=action)

        async def resume(backend: Backend, earlier: str | None) -> Job:
            assert order is not None
            return await backend.write_order(
                order, input.mode, action=action, may_have_landed=True, earlier=earlier
            )

        return await run_write(
            info,
            WriteRequest(
                operation="writeOrder",
                vendor=input.vendor,
                order_id=input.order.order_id,
                call=call,
                resume=resume,
                input=_fingerprint_input(input),
                idempotency_key=input.idempotency_key,
                errors=errors,
                field_base=("input", "order"),
                id_field=("input", "order", "orderId"),
                action_path=("input", "orderAction") if action is not None else None,
            ),
        )

    @strawberry.mutation(  # type: ignore[untyped-decorator]
        description="Change an order's status (and Engage's free-text externalStatus)."
    )
    async def change_order_status(
        self,
        info: GatewayInfo,
        input: Annotated[ChangeOrderStatusInput, strawberry.argument(description="The change.")],
    ) -> OrderMutationPayload:
        errors = convert.check_idempotency_key(input.idempotency_key)
        errors += convert.check_order_id(input.order_id, ("input", "orderId"))
        errors += _action_errors(input.order_action, ("input", "orderAction"))
        action = convert.to_action(input.order_action)

        async def call(
            backend: Backend, may_have_landed: bool = False, earlier: str | None = None
        ) -> Job:
            return await backend.change_status(
                input.order_id,
                input.status,
                external_status=input.external_status,
                action=action,
                may_have_landed=may_have_landed,
                earlier=earlier,
            )

        return await run_write(
            info,
            WriteRequest(
                operation="changeOrderStatus",
                vendor=input.vendor,
                order_id=input.order_id,
                call=call,
                resume=lambda backend, earlier: call(backend, True, earlier),
                input=_fingerprint_input(input),
                idempotency_key=input.idempotency_key,
                errors=errors,
                action_path=("input", "orderAction") if action is not None else None,
            ),
        )

    @strawberry.mutation(  # type: ignore[untyped-decorator]
        description="Delete an order (Engage deletes it; ExpertSender keeps it as isDeleted)."
    )
    async def delete_order(
        self,
        info: GatewayInfo,
        input: Annotated[DeleteOrderInput, strawberry.argument(description="Which order.")],
    ) -> OrderMutationPayload:
        errors = convert.check_idempotency_key(input.idempotency_key)
        errors += convert.check_order_id(input.order_id, ("input", "orderId"))

        async def call(backend: Backend) -> Job:
            return await backend.delete_order(input.order_id)

        async def resume(backend: Backend, earlier: str | None) -> Job:
            return await backend.delete_order(input.order_id, may_have_landed=True, earlier=earlier)

        return await run_write(
            info,
            WriteRequest(
                operation="deleteOrder",
                vendor=input.vendor,
                order_id=input.order_id,
                call=call,
                resume=resume,
                input=_fingerprint_input(input),
                idempotency_key=input.idempotency_key,
                errors=errors,
            ),
        )

    @strawberry.mutation(  # type: ignore[untyped-decorator]
        description=(
            "Trigger an order action (Engage). Without versionTag the gateway uses the order's "
            "current version. Vendors without actions answer UNSUPPORTED_BY_VENDOR."
        )
    )
    async def trigger_order_action(
        self,
        info: GatewayInfo,
        input: Annotated[TriggerOrderActionInput, strawberry.argument(description="The action.")],
    ) -> OrderMutationPayload:
        errors = convert.check_idempotency_key(input.idempotency_key)
        errors += convert.check_order_id(input.order_id, ("input", "orderId"))
        errors += convert.check_action(input.action, input.custom_action, ("input",))
        backend = info.context.services.backend(input.vendor)
        if not errors and not backend.capabilities.actions:
            errors.append(
                UserErrorInfo(
                    code=UnsupportedByVendor.code,
                    message=f"{input.vendor.value} does not offer order actions",
                    field=("input", "action"),
                )
            )
        action = OrderAction(
            action=input.action,
            custom_action=input.custom_action,
            language=input.language,
            data=input.data,
        )

        async def call(
            backend: Backend, may_have_landed: bool = False, earlier: str | None = None
        ) -> Job:
            return await backend.trigger_action(
                input.order_id,
                action,
                version_tag=input.version_tag,
                may_have_landed=may_have_landed,
                earlier=earlier,
            )

        return await run_write(
            info,
            WriteRequest(
                operation="triggerOrderAction",
                vendor=input.vendor,
                order_id=input.order_id,
                call=call,
                resume=lambda backend, earlier: call(backend, True, earlier),
                input=_fingerprint_input(input),
                idempotency_key=input.idempotency_key,
                errors=errors,
            ),
        )


def _fingerprint_input(input: object) -> dict[str, object]:
    data: dict[str, object] = dataclasses.asdict(input)  # type: ignore[call-overload]
    data.pop("idempotency_key", None)
    return data
