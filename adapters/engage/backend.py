"""``EngageBackend``: the ``Backend`` protocol over Voyado Engage v3 Orders.

Every write is asynchronous at Engage and comes back as the vendor's own job. Writes are never
resent blind: when an answer is lost the order is read, on the job-poll schedule up to the job
timeout, until it holds the write (``ownership``): then the write is done; if it never shows,
the caller gets ``WriteOutcomeUnknown``. A write that may repeat an earlier attempt (the
caller's ``may_have_landed``) has a refusal, or its job's asynchronous ``ORDER_ALREADY_EXISTS``,
checked against a read the same way. Jobs the adapter had to steer (a create that lost a race
in ADD_OR_REPLACE mode and was turned into a replace; a write confirmed by a read) keep the job
id the caller first saw; that bookkeeping lives in this process, bounded in size and age.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from cachetools import TTLCache

from adapters.backend import Capabilities
from adapters.engage import (
    answers,
    cursors,
    inferred,
    landing,
    mapping,
    ownership,
    resumption,
    statuses,
)
from adapters.engage.errors import error_for, raise_for, read_json
from adapters.engage.jobs import job_from_response
from adapters.engage.settings import EngageSettings
from adapters.errors import (
    WRITE_OUTCOME_ADVICE,
    AlreadyExists,
    BadVendorResponse,
    ContactNotFound,
    FieldError,
    JobNotFound,
    OrderNotFound,
    UpstreamError,
    ValidationFailed,
    VendorError,
    VersionConflict,
    VersionTagUnavailable,
    WriteOutcomeUnknown,
)
from adapters.model import (
    Contact,
    Job,
    JobMessage,
    JobOperation,
    JobState,
    Order,
    OrderAction,
    OrderPage,
    OrderStatus,
    Vendor,
    WriteMode,
)
from adapters.reads import read_each
from adapters.transport import (
    RetryPolicy,
    TransportEvent,
    VendorTransport,
    path_segment,
    response_json,
)

# Engage has a change-delivery endpoint, but the gateway offers no mutation for it, so it is not
# advertised (a delivery change is a REPLACE of the whole order).
_CAPABILITIES = Capabilities(
    actions=True, list_by_contact=True, change_delivery=False, async_jobs=True, batch_get=False
)
_BOOKKEEPING_SIZE = 10_000
_BOOKKEEPING_TTL_S = 3_600.0
_CONFIRMED_PREFIX = "confirmed-"
WRITE_CONFIRMED_BY_READ = "WRITE_CONFIRMED_BY_READ"


@dataclasses.dataclass(frozen=True, slots=True)
class _Fallback:
    """An ADD_OR_REPLACE create that may still lose a race; replaced with this body if so."""

    order_id: str
    body: dict[str, Any]


class EngageBackend:
    def __init__(
        self,
        settings: EngageSettings,
        *,
        on_event: Callable[[TransportEvent], None] | None = None,
        transport: VendorTransport | None = None,
    ) -> None:
        self.settings = settings
        self.transport = transport or VendorTransport(
            settings.transport_settings(), on_event=on_event
        )
        self._warnings: TTLCache[str, tuple[JobMessage, ...]] = _bookkeeping()
        self._fallbacks: TTLCache[str, _Fallback] = _bookkeeping()
        self._aliases: TTLCache[str, str] = _bookkeeping()
        self._confirmed: TTLCache[str, Job] = _bookkeeping()
        self._pending: TTLCache[str, str] = _bookkeeping()  # order id → our latest job id
        # vendor job id → (operation, order id) of the jobs this process started
        self._started: TTLCache[str, tuple[JobOperation, str]] = _bookkeeping()
        # Creates that may repeat a landed earlier attempt: job id → the body sent.
        self._repeats: TTLCache[str, dict[str, Any]] = _bookkeeping()

    @classmethod
    def from_transport(cls, settings: EngageSettings, transport: VendorTransport) -> EngageBackend:
        return cls(settings, transport=transport)

    @property
    def vendor(self) -> Vendor:
        return Vendor.ENGAGE

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def aclose(self) -> None:
        await self.transport.aclose()

    # --- reads ---------------------------------------------------------------------------------

    async def get_order(self, order_id: str) -> Order | None:
        stored = await self._read_order(order_id)
        return None if stored is None else mapping.order_from_vendor(stored)

    async def get_orders(self, order_ids: Sequence[str]) -> list[Order | None]:
        # No batch read at Engage: bounded concurrent single reads, each id read once.
        return await read_each(
            order_ids, self.get_order, concurrency=self.settings.read_concurrency
        )

    async def list_contact_orders(
        self, contact_id: str, *, first: int = 10, after: str | None = None
    ) -> OrderPage:
        """One page of the contact's orders, newest first. ``first`` sizes the first page (at
        most the vendor's 100); later pages follow the vendor's own link inside ``after``,
        which keeps the size it was given."""
        if after is not None:
            response = await self.transport.request("GET", cursors.decode(after, contact_id))
        else:
            if first < 1:
                raise ValidationFailed(
                    "first must be at least 1",
                    field_errors=(FieldError(("first",), "must be at least 1", "InvalidValue"),),
                    vendor=Vendor.ENGAGE,
                )
            response = await self.transport.request(
                "GET",
                inferred.ORDERS_PATH,
                params={
                    inferred.PAGE_CONTACT_PARAM: contact_id,
                    inferred.PAGE_OFFSET_PARAM: "0",
                    inferred.PAGE_COUNT_PARAM: str(min(first, inferred.PAGE_MAX_COUNT)),
                },
            )
        if response.status_code != 200:
            raise_for(response, subject=f"contact {contact_id}", not_found=ContactNotFound)
        page = read_json(response)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise BadVendorResponse("Engage sent an order page without items", vendor=Vendor.ENGAGE)
        links = {
            link.get("rel"): link.get("href")
            for link in page.get("links") or ()
            if isinstance(link, dict) and isinstance(link.get("href"), str)
        }
        total = page.get("totalCount")
        return OrderPage(
            orders=tuple(mapping.order_from_vendor(item) for item in page["items"]),
            next_cursor=_cursor(links.get(inferred.LINK_NEXT)),
            previous_cursor=_cursor(links.get(inferred.LINK_PREVIOUS)),
            total_count=total if isinstance(total, int) else None,
        )

    async def find_contact(
        self,
        *,
        contact_id: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        external_id: str | None = None,
    ) -> Contact | None:
        if contact_id:
            return await self._read_contact(contact_id)
        keys = {"email": email, "phone": phone, "external_id": external_id}
        for name, param in inferred.CONTACT_LOOKUP_PARAMS:
            value = keys[name]
            if not value:
                continue
            response = await self.transport.request(
                "GET", inferred.CONTACT_ID_PATH, params={param: value}
            )
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise_for(response, subject="the contact", not_found=ContactNotFound)
            found = read_json(response)
            if not isinstance(found, str) or not found:
                raise BadVendorResponse(
                    "Engage answered a contact look-up without an id", vendor=Vendor.ENGAGE
                )
            return await self._read_contact(found)
        raise ValidationFailed(
            "Give a contactId, email, phone or externalId to find a contact",
            field_errors=(FieldError(("contactId",), "no key given", "Required"),),
            vendor=Vendor.ENGAGE,
        )

    async def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact | None]:
        return await read_each(
            contact_ids, self._read_contact, concurrency=self.settings.read_concurrency
        )

    async def get_job(self, job_id: str, *, known: Job | None = None) -> Job:
        if job_id.startswith((_CONFIRMED_PREFIX, answers.ACCEPTED_PREFIX)):
            confirmed = self._confirmed.get(job_id)
            if confirmed is None:
                raise JobNotFound(f"Job {job_id} was not found", vendor=Vendor.ENGAGE)
            return self._present(job_id, confirmed)
        vendor_job_id = self._aliases.get(job_id, job_id)
        response = await self.transport.request(
            "GET", inferred.JOB_PATH.format(job_id=path_segment(vendor_job_id))
        )
        if response.status_code in (400, 404) and not _has_job(response):
            raise JobNotFound(f"Job {job_id} was not found", vendor=Vendor.ENGAGE)
        # Engage documents no `operation` on a job answer: what this process (or the caller)
        # knows of the job fills it in.
        started = self._started.get(vendor_job_id)
        if started is None and known is not None:
            started = (known.operation, known.order_id)
        operation, order_id = started if started is not None else (None, None)
        job = job_from_response(
            response, job_id=vendor_job_id, operation=operation, order_id=order_id
        )
        job = await self._with_version_tag(job)
        repeated = self._repeats.get(job_id)
        if repeated is not None and job.state.is_final:
            if job.state is JobState.FAILED and _lost_create_race(job):
                # Refused because the order exists: perhaps by our own earlier attempt. (A read
                # that fails raises, and the next poll of the job checks again.)
                stored = await self._read_order(job.order_id)
                self._repeats.pop(job_id, None)
                if ownership.is_our_write(repeated, stored):
                    confirmed = self._confirmed_job(job.operation, job.order_id, stored, repeated)
                    job = dataclasses.replace(
                        confirmed, job_id=job.job_id, vendor_job_id=job.vendor_job_id
                    )
                    self._fallbacks.pop(job_id, None)
            self._repeats.pop(job_id, None)
        fallback = self._fallbacks.get(job_id)
        if fallback is not None and job.state.is_final:
            del self._fallbacks[job_id]
            if job.state is JobState.FAILED and _lost_create_race(job):
                replaced = await self._send_replace(fallback.order_id, fallback.body)
                self._aliases[job_id] = replaced.job_id
                note = JobMessage(
                    "CREATE_RACE_REPLACED",
                    "Another create of this order won the race; the order was replaced instead",
                )
                job = dataclasses.replace(replaced, warnings=(*replaced.warnings, note))
                self._warnings[job_id] = (*self._warnings.get(job_id, ()), note)
        return self._present(job_id, job)

    # --- writes --------------------------------------------------------------------------------

    async def write_order(
        self,
        order: Order,
        mode: WriteMode,
        *,
        action: OrderAction | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        body, warnings = mapping.order_to_vendor(order, action)
        order_id = order.order_id
        before = resumption.read(earlier) if may_have_landed else resumption.FIRST
        replaced = landing.holds_order(body)
        stored: dict[str, Any] | landing.NotSeen | None = landing.NOT_SEEN  # not read yet
        version = before.version_before
        try:
            if action is not None and mode is not WriteMode.ADD:
                # Sent for its action, the order may be the one Engage holds already: only the
                # new version a processed replacement makes tells ours apart (``resumption``).
                if version is None:
                    version, stored = await self._version_before_action(
                        order_id, before, replaced, "write", "holds what it sent"
                    )
                replaced = landing.in_new_version(version, replaced)
            job = await self._write_whole(order_id, mode, body, before, replaced, stored)
        except VendorError as failed:
            if action is not None:
                resumption.note_failure(failed, before, version)
            raise
        return self._track(job, warnings)

    async def _write_whole(
        self,
        order_id: str,
        mode: WriteMode,
        body: dict[str, Any],
        before: resumption.EarlierAttempt,
        replaced: landing.Landed,
        stored: dict[str, Any] | landing.NotSeen | None,
    ) -> Job:
        """Create or replace as ``mode`` says; ``replaced``: how a replacement shows landed;
        ``stored``: the order as just read (``NOT_SEEN``: not read)."""
        repeat = before.may_have_sent  # an earlier attempt of this write may have landed
        fallback = False
        if mode is WriteMode.ADD:
            job = await self._send_create(order_id, body, repeat)
        elif mode is WriteMode.REPLACE:
            job = await self._send_replace(order_id, body, repeat, replaced)
        else:
            if isinstance(stored, landing.NotSeen):
                stored = await self._read_order(order_id)
            if stored is None:
                try:
                    job = await self._send_create(order_id, body, repeat)
                    fallback = True
                except AlreadyExists:
                    # Created by someone else since we looked: replace it as asked.
                    job = await self._send_replace(order_id, body, repeat, replaced)
            else:
                try:
                    job = await self._send_replace(order_id, body, repeat, replaced)
                except OrderNotFound:
                    job = await self._send_create(order_id, body, repeat)
                    fallback = True
        if fallback and not job.state.is_final:
            self._fallbacks[job.job_id] = _Fallback(order_id, body)
        return job

    async def change_status(
        self,
        order_id: str,
        status: OrderStatus,
        *,
        external_status: str | None = None,
        action: OrderAction | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        target = statuses.to_vendor(status, external_status)
        body: dict[str, Any] = {"status": target.status}
        if target.external_status is not None:
            body["externalStatus"] = target.external_status
        path = inferred.CHANGE_STATUS_PATH.format(order_id=path_segment(order_id))
        landed = landing.has_status(target.status, target.external_status)
        if action is None:
            # The status alone: an order already showing it is as asked, whoever set it.
            job = await self._write(
                "POST",
                path,
                body,
                operation=JobOperation.CHANGE_STATUS,
                order_id=order_id,
                landed=landed,
                may_have_landed=may_have_landed,
            )
            return self._track(job, target.warnings)
        body["orderAction"] = mapping.embedded_action_to_vendor(action)
        before = resumption.read(earlier) if may_have_landed else resumption.FIRST
        job = await self._change_with_action(order_id, path, body, landed, before)
        return self._track(job, target.warnings)

    async def _change_with_action(
        self,
        order_id: str,
        path: str,
        body: dict[str, Any],
        landed: landing.Landed,
        before: resumption.EarlierAttempt,
    ) -> Job:
        """A change of status carrying an action lands once, and is told from the status the
        order already had by the version it makes (``resumption``)."""
        version = before.version_before
        try:
            if version is None:
                version, _ = await self._version_before_action(
                    order_id, before, landed, "change", "shows its status"
                )
            return await self._write(
                "POST",
                path,
                body,
                operation=JobOperation.CHANGE_STATUS,
                order_id=order_id,
                landed=landing.in_new_version(version, landed),
                may_have_landed=before.may_have_sent,
            )
        except VendorError as failed:
            resumption.note_failure(failed, before, version)
            raise

    async def _version_before_action(
        self,
        order_id: str,
        before: resumption.EarlierAttempt,
        landed: landing.Landed,
        kind: str,
        shows: str,
    ) -> tuple[str | None, dict[str, Any] | None]:
        """The order's version before a write carrying an action, and the order as read.

        An earlier attempt may have sent the write and the order shows it landed: with no
        version from before that attempt, nothing tells whether its action ran."""
        stored = await self._read_order(order_id)
        if before.may_have_sent and landed(stored):
            raise resumption.noted(
                WriteOutcomeUnknown(
                    f"An earlier attempt of this {kind} of order {order_id} may have reached"
                    f" Engage, and the order {shows}; its orderAction leaves nothing a read"
                    " could check, so it is not sent again. To send it again knowingly, use a"
                    " new idempotencyKey.",
                    vendor=Vendor.ENGAGE,
                ),
                before,
            )
        return resumption.version_of(stored), stored

    async def delete_order(
        self, order_id: str, *, may_have_landed: bool = False, earlier: str | None = None
    ) -> Job:
        before = resumption.read(earlier) if may_have_landed else resumption.FIRST
        try:
            if not before.may_have_sent and await self._read_order(order_id) is None:
                # An order that is not there is not deleted by us, even if a delete's answer
                # is then lost: a read after it could not tell the two apart.
                raise OrderNotFound(f"Order {order_id} was not found", vendor=Vendor.ENGAGE)
            job = await self._write(
                "DELETE",
                _order_path(order_id),
                None,
                operation=JobOperation.DELETE,
                order_id=order_id,
                landed=landing.is_gone,
                may_have_landed=before.may_have_sent,
            )
        except WriteOutcomeUnknown as lost:
            resumption.noted(lost, resumption.EarlierAttempt(may_have_sent=True))
            raise
        except VendorError as failed:
            resumption.noted(failed, before)
            raise
        return self._track(job, ())

    async def trigger_action(
        self,
        order_id: str,
        action: OrderAction,
        *,
        version_tag: str | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        before = resumption.read(earlier) if may_have_landed else resumption.FIRST
        if before.may_have_sent:
            # An action leaves nothing on the order a read could check (§2.7: not even a new
            # version), so one that may have run is never sent again on a guess.
            raise resumption.noted(
                WriteOutcomeUnknown(
                    f"An earlier attempt may have sent this action on order {order_id}, and"
                    " Engage keeps nothing a read could check, so it is not sent again. To"
                    " fire it again knowingly, send it with a new idempotencyKey.",
                    vendor=Vendor.ENGAGE,
                ),
                before,
            )
        try:
            return await self._trigger(order_id, action, version_tag)
        except WriteOutcomeUnknown as lost:
            resumption.noted(lost, resumption.EarlierAttempt(may_have_sent=True))
            raise
        except VendorError as failed:
            # Answered, or never sent: the action did not run.
            resumption.noted(failed, before)
            raise

    async def _trigger(self, order_id: str, action: OrderAction, version_tag: str | None) -> Job:
        body: dict[str, Any] = mapping.embedded_action_to_vendor(action)
        if version_tag is not None:
            return self._track(await self._send_action(order_id, body, version_tag), ())
        deadline = time.monotonic() + self.settings.version_tag_wait_s
        delay = self.settings.poll_initial_s
        while True:
            tag = await self._current_version_tag(order_id, deadline)
            try:
                return self._track(await self._send_action(order_id, body, tag), ())
            except VersionConflict:
                # The order changed between our read and the action: look again.
                if time.monotonic() + delay > deadline:
                    raise VersionTagUnavailable(
                        f"Order {order_id} kept changing; no stable versionTag within "
                        f"{self.settings.version_tag_wait_s:g} s",
                        vendor=Vendor.ENGAGE,
                    ) from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.poll_max_s)

    # --- internals -----------------------------------------------------------------------------

    async def _read_order(self, order_id: str) -> dict[str, Any] | None:
        response = await self.transport.request("GET", _order_path(order_id))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise_for(response, subject=f"order {order_id}")
        stored = read_json(response)
        if not isinstance(stored, dict):
            raise BadVendorResponse(
                "Engage sent an order that is not an object", vendor=Vendor.ENGAGE
            )
        return answers.with_header_version_tag(stored, response)

    async def _read_contact(self, contact_id: str) -> Contact | None:
        response = await self.transport.request(
            "GET", inferred.CONTACT_PATH.format(contact_id=path_segment(contact_id))
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise_for(response, subject=f"contact {contact_id}", not_found=ContactNotFound)
        return mapping.contact_from_vendor(read_json(response))

    async def _send_create(
        self, order_id: str, body: dict[str, Any], may_have_landed: bool = False
    ) -> Job:
        return await self._write(
            "POST",
            inferred.ORDERS_PATH,
            body,
            operation=JobOperation.CREATE,
            order_id=order_id,
            landed=landing.holds_order(body),
            may_have_landed=may_have_landed,
        )

    async def _send_replace(
        self,
        order_id: str,
        body: dict[str, Any],
        may_have_landed: bool = False,
        landed: landing.Landed | None = None,
    ) -> Job:
        return await self._write(
            "PUT",
            _order_path(order_id),
            body,
            operation=JobOperation.REPLACE,
            order_id=order_id,
            landed=landing.holds_order(body) if landed is None else landed,
            may_have_landed=may_have_landed,
        )

    async def _write(
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
            stored = await self._read_order(order_id)
            if landed(stored):
                return self._confirmed_job(operation, order_id, stored, body)
        for send in range(1, self.settings.max_attempts + 1):
            try:
                response = await self.transport.request(
                    method, path, json=body, retry=RetryPolicy.NEVER_BLIND
                )
            except WriteOutcomeUnknown as lost:
                seen = await self._look_for(order_id, landed, lost.message, lost.upstream_status)
                if not isinstance(seen, landing.NotSeen):
                    return self._confirmed_job(operation, order_id, seen, body)
                if not resendable or send == self.settings.max_attempts:
                    raise self._not_shown(lost.message, lost.upstream_status) from None
                may_have_landed = True
                continue
            if may_have_landed and 400 <= response.status_code < 500:
                stored = await self._read_order(order_id)
                if landed(stored):
                    return self._confirmed_job(operation, order_id, stored, body)
            if not 200 <= response.status_code < 300:
                raise error_for(response, subject=f"order {order_id}")
            try:
                accepted = job_from_response(
                    response, operation=operation, order_id=order_id, accepted_write=True
                )
            except BadVendorResponse as unreadable:
                # Engage took the write, and its answer names no job to follow: it is looked
                # for like a lost answer's, never sent again.
                return await self._confirm_accepted(operation, order_id, landed, body, unreadable)
            job = self._started_job(accepted)
            if may_have_landed and resendable and body is not None and not job.state.is_final:
                # Its job may still fail as "already exists" because of our earlier send.
                self._repeats[job.job_id] = body
            return job
        raise AssertionError("unreachable: the last send returns or raises")

    async def _confirm_accepted(
        self,
        operation: JobOperation,
        order_id: str,
        landed: landing.Landed,
        body: dict[str, Any] | None,
        unreadable: BadVendorResponse,
    ) -> Job:
        what = f"{unreadable.message}, to a write it accepted"
        seen = await self._look_for(order_id, landed, what, unreadable.upstream_status)
        if isinstance(seen, landing.NotSeen):
            raise self._not_shown(what, unreadable.upstream_status)
        return self._confirmed_job(operation, order_id, seen, body)

    async def _look_for(
        self, order_id: str, landed: landing.Landed, what: str, upstream_status: int | None
    ) -> Any:
        """The order once it shows the write, or ``NOT_SEEN`` after the landing wait. A read
        that fails leaves the write's outcome unknown (``what``: what became of its answer)."""
        try:
            return await landing.await_landing(
                lambda: self._read_order(order_id),
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

    def _not_shown(self, what: str, upstream_status: int | None) -> WriteOutcomeUnknown:
        return WriteOutcomeUnknown(
            f"{what}; the order did not show the write within"
            f" {self.settings.landing_wait_s:g} s. {WRITE_OUTCOME_ADVICE}",
            vendor=Vendor.ENGAGE,
            upstream_status=upstream_status,
        )

    def _confirmed_job(
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
            job_id=f"{_CONFIRMED_PREFIX}{uuid.uuid4()}",
            operation=operation,
            state=state,
            order_id=order_id,
            created_at=now,
            updated_at=now,
            version_tag=None if tag is None else str(tag),
            warnings=tuple(warnings),
            finished_at=now,
        )
        self._confirmed[job.job_id] = job
        return job

    async def _send_action(self, order_id: str, body: dict[str, Any], version_tag: str) -> Job:
        # An action fires the vendor's automations and leaves no trace a read could check, so
        # a lost answer is reported (WriteOutcomeUnknown), never resent.
        response = await self.transport.request(
            "POST",
            inferred.ACTION_PATH.format(order_id=path_segment(order_id)),
            json={**body, "versionTag": version_tag},
            retry=RetryPolicy.NEVER_BLIND,
        )
        if 200 <= response.status_code < 300:
            if not answers.names_a_job(response):
                # Seed 003 documents a bare 202 for an accepted action: nothing to follow.
                return self._remember(answers.accepted_action(order_id))
            return self._started_job(
                job_from_response(
                    response,
                    operation=JobOperation.ACTION,
                    order_id=order_id,
                    accepted_write=True,
                )
            )
        if response.status_code == 404:
            # §2.7: 404 is "order not found or versionTag did not match"; a read tells which.
            exists = await self._read_order(order_id) is not None
            raise answers.action_not_found(response, order_id, order_exists=exists)
        if response.status_code == 422:
            raise answers.action_refused(response, order_id)
        raise error_for(response, subject=f"order {order_id}")

    async def _current_version_tag(self, order_id: str, deadline: float) -> str:
        """§2.7: the versionTag of the order's latest change, waiting for our own pending
        write to be processed and for a tag to appear, until ``deadline``."""
        delay = self.settings.poll_initial_s
        pending = self._pending.get(order_id)
        while pending is not None:
            job = await self.get_job(pending)
            if job.state.is_final:
                break
            if time.monotonic() + delay > deadline:
                raise VersionTagUnavailable(
                    f"The latest change of order {order_id} is still being processed",
                    vendor=Vendor.ENGAGE,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.settings.poll_max_s)
        while True:
            stored = await self._read_order(order_id)
            if stored is None:
                raise OrderNotFound(f"Order {order_id} was not found", vendor=Vendor.ENGAGE)
            tag = stored.get("versionTag")
            if isinstance(tag, str) and tag:
                return tag
            if time.monotonic() + delay > deadline:
                raise VersionTagUnavailable(
                    f"Order {order_id} has no versionTag yet", vendor=Vendor.ENGAGE
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.settings.poll_max_s)

    def _started_job(self, job: Job) -> Job:
        self._started[job.vendor_job_id or job.job_id] = (job.operation, job.order_id)
        return job

    def _remember(self, job: Job) -> Job:
        self._confirmed[job.job_id] = job
        return job

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
        stored = await self._read_order(job.order_id)
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

    def _track(self, job: Job, warnings: tuple[JobMessage, ...]) -> Job:
        if warnings:
            self._warnings[job.job_id] = warnings
        if not job.state.is_final:
            self._pending[job.order_id] = job.job_id
        return self._present(job.job_id, job)

    def _present(self, job_id: str, job: Job) -> Job:
        """The job under the id the caller knows, with the adapter's own warnings added."""
        ours = self._warnings.get(job_id, ())
        extra = tuple(w for w in ours if w not in job.warnings)
        if job.state.is_final and self._pending.get(job.order_id) == job_id:
            del self._pending[job.order_id]
        return dataclasses.replace(job, job_id=job_id, warnings=(*job.warnings, *extra))


def _bookkeeping() -> TTLCache[str, Any]:
    return TTLCache(maxsize=_BOOKKEEPING_SIZE, ttl=_BOOKKEEPING_TTL_S)


def _order_path(order_id: str) -> str:
    return inferred.ORDER_PATH.format(order_id=path_segment(order_id))


def _cursor(href: object) -> str | None:
    return cursors.encode(href) if isinstance(href, str) and href else None


def _has_job(response: httpx.Response) -> bool:
    try:
        body = response_json(response)
    except ValueError:
        return False
    return isinstance(body, dict) and bool(body.get("jobId"))


def _lost_create_race(job: Job) -> bool:
    return any(error.code == "ORDER_ALREADY_EXISTS" for error in job.errors)


def _contact_missing(sent: dict[str, Any] | None, stored: dict[str, Any] | None) -> bool:
    """A read shows Engage resolved no contact: the order names one, the stored order has no
    ``contactId`` (the server adds it when the contact resolves)."""
    if sent is None or stored is None or not isinstance(sent.get("contact"), dict):
        return False
    return not stored.get("contactId")
