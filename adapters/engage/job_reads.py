"""A read of an Engage job: the vendor's answer, completed and steered by what this process knows.

Engage's job answer is parsed by ``jobs``; this module adds what that answer cannot carry: the
operation and order of a job this process started, the versionTag read from the order when the
answer has none, a repeated create's refusal recognised as our own earlier write, and a create
that lost its race in ADD_OR_REPLACE mode replaced instead (the caller keeps its job id). Apart
from the writes because it runs on every poll of a job, long after the write returned.
"""

from __future__ import annotations

import dataclasses

import httpx

from adapters.engage import answers, inferred, mapping, ownership
from adapters.engage.bookkeeping import JobBook
from adapters.engage.jobs import job_from_response
from adapters.engage.lost_answers import CONFIRMED_PREFIX, LostAnswers
from adapters.engage.reads import EngageReads
from adapters.engage.sending import WriteSender
from adapters.errors import JobNotFound
from adapters.model import Job, JobMessage, JobOperation, JobState, Vendor
from adapters.transport import VendorTransport, path_segment, response_json


@dataclasses.dataclass(frozen=True, slots=True)
class JobReads:
    transport: VendorTransport
    reads: EngageReads
    book: JobBook
    lost_answers: LostAnswers
    sender: WriteSender

    async def get_job(self, job_id: str, *, known: Job | None = None) -> Job:
        if job_id.startswith((CONFIRMED_PREFIX, answers.ACCEPTED_PREFIX)):
            confirmed = self.book.confirmed.get(job_id)
            if confirmed is None:
                raise JobNotFound(f"Job {job_id} was not found", vendor=Vendor.ENGAGE)
            return self.book.present(job_id, confirmed)
        vendor_job_id = self.book.aliases.get(job_id, job_id)
        response = await self.transport.request(
            "GET", inferred.JOB_PATH.format(job_id=path_segment(vendor_job_id))
        )
        if response.status_code in (400, 404) and not _has_job(response):
            raise JobNotFound(f"Job {job_id} was not found", vendor=Vendor.ENGAGE)
        # Engage documents no `operation` on a job answer: what this process (or the caller)
        # knows of the job fills it in.
        started = self.book.started.get(vendor_job_id)
        if started is None and known is not None:
            started = (known.operation, known.order_id)
        operation, order_id = started if started is not None else (None, None)
        job = job_from_response(
            response, job_id=vendor_job_id, operation=operation, order_id=order_id
        )
        job = await self._with_version_tag(job)
        repeated = self.book.repeats.get(job_id)
        if repeated is not None and job.state.is_final:
            if job.state is JobState.FAILED and _lost_create_race(job):
                # Refused because the order exists: perhaps by our own earlier attempt. (A read
                # that fails raises, and the next poll of the job checks again.)
                stored = await self.reads.stored_order(job.order_id)
                self.book.repeats.pop(job_id, None)
                if ownership.is_our_write(repeated, stored):
                    confirmed = self.lost_answers.confirmed_job(
                        job.operation, job.order_id, stored, repeated
                    )
                    job = dataclasses.replace(
                        confirmed, job_id=job.job_id, vendor_job_id=job.vendor_job_id
                    )
                    self.book.fallbacks.pop(job_id, None)
            self.book.repeats.pop(job_id, None)
        fallback = self.book.fallbacks.get(job_id)
        if fallback is not None and job.state.is_final:
            del self.book.fallbacks[job_id]
            if job.state is JobState.FAILED and _lost_create_race(job):
                replaced = await self.sender.replace(fallback.order_id, fallback.body)
                self.book.aliases[job_id] = replaced.job_id
                note = JobMessage(
                    "CREATE_RACE_REPLACED",
                    "Another create of this order won the race; the order was replaced instead",
                )
                job = dataclasses.replace(replaced, warnings=(*replaced.warnings, note))
                self.book.warnings[job_id] = (*self.book.warnings.get(job_id, ()), note)
        return self.book.present(job_id, job)

    async def _with_version_tag(self, job: Job) -> Job:
        """A finished change whose answer carries no versionTag (Engage documents none on the
        302): read it from the order, the other place Engage documents it, and say so."""
        if (
            job.version_tag is not None
            or job.state not in (JobState.COMPLETED, JobState.COMPLETED_WITH_ERRORS)
            or job.operation is JobOperation.DELETE
            or not job.order_id
        ):
            return job
        stored = await self.reads.stored_order(job.order_id)
        read = None if stored is None else mapping.order_from_vendor(stored)
        tag = None if stored is None else stored.get("versionTag")
        if not isinstance(tag, str) or not tag:
            return dataclasses.replace(job, order_read=read)
        return dataclasses.replace(
            job,
            version_tag=tag,
            warnings=(*job.warnings, answers.VERSION_TAG_FROM_ORDER),
            order_read=read,
        )


def _has_job(response: httpx.Response) -> bool:
    try:
        body = response_json(response)
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("jobId"))


def _lost_create_race(job: Job) -> bool:
    return any(error.code == "ORDER_ALREADY_EXISTS" for error in job.errors)
