"""Running one order write: checks, idempotency, the vendor call, the job, the log.

Every mutation goes through ``run_write`` so they all treat failures, warnings and retries the
same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.backend import Backend
from adapters.errors import AlreadyExists, ClientError, OrderNotFound, UpstreamError
from adapters.model import Job, JobMessage, LogSeverity, Vendor
from adapters.transport import VendorCallPriority, vendor_call_priority
from gateway.auth.audit import client_idempotency_key, record_accepted
from gateway.errors import (
    IdempotencyKeyReused,
    UserErrorInfo,
    input_path,
    upstream_failure,
    user_errors_from,
)
from gateway.idempotency import MutationOutcome, fingerprint
from gateway.schema.info import GatewayInfo
from gateway.schema.job import Job as JobType
from gateway.schema.payload import OrderMutationPayload, UserError

# The same code the ExpertSender adapter uses, so a warning it already gave is not doubled.
ACTION_DISCARDED = "ACTION_DISCARDED"
# Vendor paths are relative to the order; these names are fields of the mutation input itself.
_INPUT_LEVEL_FIELDS = frozenset({"orderAction", "idempotencyKey", "mode", "vendor"})


@dataclass(frozen=True, slots=True)
class WriteRequest:
    operation: str  # the mutation's name; part of the idempotency fingerprint
    vendor: Vendor
    order_id: str
    call: Callable[[Backend], Awaitable[Job]]
    input: Any  # the whole GraphQL input, for the idempotency fingerprint
    idempotency_key: str | None = None
    errors: Sequence[UserErrorInfo] = ()  # found by the gateway's own checks
    # Where the vendor's field paths point into, e.g. ("input", "order").
    field_base: tuple[str, ...] = ("input",)
    # An embedded action a vendor without actions cannot apply: the job gets a warning.
    action_path: tuple[str, ...] | None = None
    # Where the order id is in the input: the field of "already exists"/"not found" errors.
    id_field: tuple[str, ...] = ("input", "orderId")
    # The call for a retry whose earlier attempt (same idempotency key) may have reached the
    # vendor and never completed, given the note that attempt's failure left; None: ``call``.
    resume: Callable[[Backend, str | None], Awaitable[Job]] | None = None


def _payload(
    request: WriteRequest, job: Job | None, errors: Sequence[UserErrorInfo]
) -> OrderMutationPayload:
    return OrderMutationPayload(
        job=JobType.of(job) if job is not None else None,
        errors=[UserError.of(error) for error in errors],
        vendor=request.vendor,
        order_id=request.order_id,
    )


def _with_input_path(request: WriteRequest, message: JobMessage) -> JobMessage:
    if not message.field:
        return message
    base = ("input",) if message.field[0] in _INPUT_LEVEL_FIELDS else request.field_base
    return dataclasses.replace(message, field=input_path(base, message.field))


def _gateway_warnings(request: WriteRequest, backend: Backend, job: Job) -> Job:
    """Warning paths made into GraphQL input paths, plus the warnings only the gateway knows."""
    warnings = [_with_input_path(request, w) for w in job.warnings]
    errors = [_with_input_path(request, e) for e in job.errors]
    if (
        request.action_path is not None
        and not backend.capabilities.actions
        and not any(w.code == ACTION_DISCARDED for w in warnings)
    ):
        warnings.append(
            JobMessage(
                code=ACTION_DISCARDED,
                message=f"{request.vendor.value} has no order actions: orderAction was not applied",
                field=request.action_path,
            )
        )
    return dataclasses.replace(job, warnings=tuple(warnings), errors=tuple(errors))


def _resumed_call(request: WriteRequest, note: str | None) -> Callable[[Backend], Awaitable[Job]]:
    resume = request.resume
    if resume is None:
        return request.call
    return lambda backend: resume(backend, note)


async def run_write(info: GatewayInfo, request: WriteRequest) -> OrderMutationPayload:
    context = info.context
    services = context.services
    if request.errors:
        for error in request.errors:
            services.log.record(
                LogSeverity.WARNING,
                error.code,
                f"{request.operation} refused: {error.message}",
                vendor=request.vendor,
                order_id=request.order_id or None,
                details={"field": list(error.field)} if error.field else None,
            )
        return _payload(request, None, request.errors)
    backend = services.backend(request.vendor)
    services.check_state()

    async def attempt(call: Callable[[Backend], Awaitable[Job]]) -> MutationOutcome:
        try:
            # A write goes ahead of the reads queued for the vendor's budget.
            with vendor_call_priority(VendorCallPriority.WRITE):
                job = await call(backend)
        except ClientError as exc:
            services.record_vendor_error(
                exc,
                f"{request.operation} refused",
                vendor=request.vendor,
                order_id=request.order_id,
            )
            errors = [
                dataclasses.replace(error, field=request.id_field)
                if error.field is None and isinstance(exc, AlreadyExists | OrderNotFound)
                else error
                for error in user_errors_from(exc, base_path=request.field_base)
            ]
            return MutationOutcome(None, tuple(errors))
        except UpstreamError as exc:
            services.record_vendor_error(
                exc, f"{request.operation} failed", vendor=request.vendor, order_id=request.order_id
            )
            raise upstream_failure(exc) from None
        job = _gateway_warnings(request, backend, job)
        # Marked before its job can finish: the job's own read of the order may then be kept.
        services.cache.note_write(job)
        context.loaders.forget_written(request.vendor, request.order_id, job)
        job = await services.jobs.track(job)
        record_accepted(services.log, request.operation, job)
        services.outcomes.record(job)
        context.loaders.prime_job(job)
        return MutationOutcome(job)

    if request.idempotency_key is None:
        outcome = await attempt(request.call)
    else:
        try:
            outcome = await services.idempotency.run(
                client_idempotency_key(request.idempotency_key),
                fingerprint(request.operation, request.input),
                lambda: attempt(request.call),
                resume=lambda note: attempt(_resumed_call(request, note)),
            )
        except IdempotencyKeyReused as exc:
            services.log.record(
                LogSeverity.WARNING,
                exc.code,
                str(exc),
                vendor=request.vendor,
                order_id=request.order_id,
            )
            return _payload(
                request,
                None,
                [UserErrorInfo(exc.code, str(exc), ("input", "idempotencyKey"))],
            )
    job = outcome.job
    if job is not None:
        # A replayed outcome reports the job as it stands now, not as it stood then.
        job = await context.loaders.job(job.vendor, job.job_id) or job
    return _payload(request, job, outcome.errors)
