"""A write whose answer was lost, confirmed by reading the order, never by sending it again.

Engage lands a write when its job runs, so the order is read on the job-poll schedule, up to
the job timeout, until it shows the write (``landing``): then the write is done, under a job
Engage never had (``confirmed_job``, remembered in the ``JobBook``); if it never shows, or the
read fails too, the caller gets ``WriteOutcomeUnknown``. An accepted write whose answer names
no job is looked for the same way. Apart from the sending because job reads confirm a repeated
create's refusal with the same finished job.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from adapters.engage import inferred, landing
from adapters.engage.bookkeeping import JobBook
from adapters.engage.reads import EngageReads
from adapters.engage.settings import EngageSettings
from adapters.errors import (
    WRITE_OUTCOME_ADVICE,
    BadVendorResponse,
    UpstreamError,
    WriteOutcomeUnknown,
)
from adapters.model import Job, JobMessage, JobOperation, JobState, Vendor

CONFIRMED_PREFIX = "confirmed-"
WRITE_CONFIRMED_BY_READ = "WRITE_CONFIRMED_BY_READ"


@dataclass(frozen=True, slots=True)
class LostAnswers:
    settings: EngageSettings
    reads: EngageReads
    book: JobBook

    async def look_for(
        self, order_id: str, landed: landing.Landed, what: str, upstream_status: int | None
    ) -> Any:
        """The order once it shows the write, or ``NOT_SEEN`` after the landing wait. A read
        that fails leaves the write's outcome unknown (``what``: what became of its answer)."""
        try:
            return await landing.await_landing(
                lambda: self.reads.stored_order(order_id),
                landed,
                wait_s=self.settings.landing_wait_s,
                delays=self.settings.landing_delays,
            )
        except UpstreamError as unreadable:
            raise WriteOutcomeUnknown(
                f"{what}; reading the order back failed too ({unreadable.code})."
                f" {WRITE_OUTCOME_ADVICE}",
                vendor=Vendor.ENGAGE,
                upstream_status=upstream_status,
            ) from None

    def not_shown(self, what: str, upstream_status: int | None) -> WriteOutcomeUnknown:
        return WriteOutcomeUnknown(
            f"{what}; the order did not show the write within"
            f" {self.settings.landing_wait_s:g} s. {WRITE_OUTCOME_ADVICE}",
            vendor=Vendor.ENGAGE,
            upstream_status=upstream_status,
        )

    async def confirm_accepted(
        self,
        operation: JobOperation,
        order_id: str,
        landed: landing.Landed,
        body: dict[str, Any] | None,
        unreadable: BadVendorResponse,
    ) -> Job:
        what = f"{unreadable.message}, to a write it accepted"
        seen = await self.look_for(order_id, landed, what, unreadable.upstream_status)
        if isinstance(seen, landing.NotSeen):
            raise self.not_shown(what, unreadable.upstream_status)
        return self.confirmed_job(operation, order_id, seen, body)

    def confirmed_job(
        self,
        operation: JobOperation,
        order_id: str,
        stored: dict[str, Any] | None,
        sent: dict[str, Any] | None,
    ) -> Job:
        """A finished job for a write a read showed landed, with the warnings a read can show."""
        now = datetime.now(UTC)
        tag = None if stored is None else stored.get("versionTag")
        warnings = [
            JobMessage(
                WRITE_CONFIRMED_BY_READ,
                "Engage's answer to the write was lost; reading the order showed it holds this"
                " write (Engage's own processing warnings, such as a missing article or store,"
                " cannot be read back)",
            )
        ]
        state = JobState.COMPLETED
        if _contact_missing(sent, stored):
            state = JobState.COMPLETED_WITH_ERRORS
            warnings.append(
                JobMessage(
                    inferred.WARNING_CODES["ContactMissing"],
                    "The order was stored without a contact: Engage found none matching it",
                )
            )
        job = Job(
            vendor=Vendor.ENGAGE,
            job_id=f"{CONFIRMED_PREFIX}{uuid.uuid4()}",
            operation=operation,
            state=state,
            order_id=order_id,
            created_at=now,
            updated_at=now,
            version_tag=None if tag is None else str(tag),
            warnings=tuple(warnings),
            finished_at=now,
        )
        return self.book.remember(job)


def _contact_missing(sent: dict[str, Any] | None, stored: dict[str, Any] | None) -> bool:
    """A read shows Engage resolved no contact: the order names one, the stored order has no
    ``contactId`` (the server adds it when the contact resolves)."""
    if sent is None or stored is None or not isinstance(sent.get("contact"), dict):
        return False
    return not stored.get("contactId")
