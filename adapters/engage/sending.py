"""Sending one Engage write: never resent blind, its refusals after a possible landing checked.

Every write (create, replace, change of status, delete) goes through ``WriteSender.send``;
what the write means, and how a read shows it landed, is its caller's. Apart from the callers
because this is the one place that decides whether a write may go out again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.engage import inferred, landing
from adapters.engage.bookkeeping import JobBook
from adapters.engage.errors import error_for
from adapters.engage.jobs import job_from_response
from adapters.engage.lost_answers import LostAnswers
from adapters.engage.reads import EngageReads, order_path
from adapters.engage.settings import EngageSettings
from adapters.errors import BadVendorResponse, WriteOutcomeUnknown
from adapters.model import Job, JobOperation
from adapters.transport import RetryPolicy, VendorTransport


@dataclass(frozen=True, slots=True)
class WriteSender:
    transport: VendorTransport
    settings: EngageSettings
    reads: EngageReads
    book: JobBook
    lost_answers: LostAnswers

    async def create(
        self, order_id: str, body: dict[str, Any], may_have_landed: bool = False
    ) -> Job:
        return await self.send(
            "POST",
            inferred.ORDERS_PATH,
            body,
            operation=JobOperation.CREATE,
            order_id=order_id,
            landed=landing.holds_order(body),
            may_have_landed=may_have_landed,
        )

    async def replace(
        self,
        order_id: str,
        body: dict[str, Any],
        may_have_landed: bool = False,
        landed: landing.Landed | None = None,
    ) -> Job:
        return await self.send(
            "PUT",
            order_path(order_id),
            body,
            operation=JobOperation.REPLACE,
            order_id=order_id,
            landed=landing.holds_order(body) if landed is None else landed,
            may_have_landed=may_have_landed,
        )

    async def send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        operation: JobOperation,
        order_id: str,
        landed: landing.Landed,
        may_have_landed: bool = False,
    ) -> Job:
        """Send a write. If its answer is lost, read until the order shows it (on the job-poll
        schedule, up to the job timeout): then it is done. If it never shows, a create is sent
        again (Engage refuses a second create of one order id, and that refusal, synchronous
        or in its job, is checked against a read), any other write is reported unknown. A
        refusal of a write that may repeat a landed earlier attempt is checked against a read,
        and such a write that is not a create is looked for before it is sent at all: sent
        again, a change of status (with its action) or a delete would happen twice."""
        resendable = operation is JobOperation.CREATE
        if may_have_landed and not resendable:
            stored = await self.reads.stored_order(order_id)
            if landed(stored):
                return self.lost_answers.confirmed_job(operation, order_id, stored, body)
        for send_number in range(1, self.settings.max_attempts + 1):
            try:
                response = await self.transport.request(
                    method, path, json=body, retry=RetryPolicy.NEVER_BLIND
                )
            except WriteOutcomeUnknown as lost:
                seen = await self.lost_answers.look_for(
                    order_id, landed, lost.message, lost.upstream_status
                )
                if not isinstance(seen, landing.NotSeen):
                    return self.lost_answers.confirmed_job(operation, order_id, seen, body)
                if not resendable or send_number == self.settings.max_attempts:
                    raise self.lost_answers.not_shown(lost.message, lost.upstream_status) from None
                may_have_landed = True
                continue
            if may_have_landed and 400 <= response.status_code < 500:
                stored = await self.reads.stored_order(order_id)
                if landed(stored):
                    return self.lost_answers.confirmed_job(operation, order_id, stored, body)
            if not 200 <= response.status_code < 300:
                raise error_for(response, subject=f"order {order_id}")
            try:
                accepted = job_from_response(
                    response, operation=operation, order_id=order_id, accepted_write=True
                )
            except BadVendorResponse as unreadable:
                # Engage took the write, and its answer names no job to follow: it is looked
                # for like a lost answer's, never sent again.
                return await self.lost_answers.confirm_accepted(
                    operation, order_id, landed, body, unreadable
                )
            job = self.book.started_job(accepted)
            if may_have_landed and resendable and body is not None and not job.state.is_final:
                # Its job may still fail as "already exists" because of our earlier send.
                self.book.repeats[job.job_id] = body
            return job
        raise AssertionError("unreachable: the last send returns or raises")
