"""Order actions sent on their own (§2.7): with the order's current versionTag, fired once.

An action fires the vendor's automations and leaves nothing on the order a read could check
(not even a new version), so an action that may have run is never sent again: a lost answer, or
a retry after one, is ``WriteOutcomeUnknown``. Without a versionTag from the caller, the
adapter finds the current one, waiting for its own pending change of the order to be processed
and looking again when the order changes under it, within ``version_tag_wait_s``. Apart from
the other writes because nothing here can be confirmed by reading the order.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from adapters.engage import answers, inferred, mapping, resumption
from adapters.engage.bookkeeping import JobBook
from adapters.engage.errors import error_for
from adapters.engage.job_reads import JobReads
from adapters.engage.jobs import job_from_response
from adapters.engage.reads import EngageReads
from adapters.engage.settings import EngageSettings
from adapters.errors import (
    OrderNotFound,
    VersionConflict,
    VersionTagUnavailable,
    WriteOutcomeUnknown,
)
from adapters.model import Job, JobOperation, OrderAction, Vendor
from adapters.transport import RetryPolicy, VendorTransport, path_segment


@dataclass(frozen=True, slots=True)
class Actions:
    transport: VendorTransport
    settings: EngageSettings
    reads: EngageReads
    book: JobBook
    jobs: JobReads

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
        with resumption.noting(before):
            return await self._trigger(order_id, action, version_tag)

    async def _trigger(self, order_id: str, action: OrderAction, version_tag: str | None) -> Job:
        body: dict[str, Any] = mapping.embedded_action_to_vendor(action)
        if version_tag is not None:
            return self.book.track(await self._send_action(order_id, body, version_tag), ())
        deadline = time.monotonic() + self.settings.version_tag_wait_s
        delay = self.settings.poll_initial_s
        while True:
            tag = await self._current_version_tag(order_id, deadline)
            try:
                return self.book.track(await self._send_action(order_id, body, tag), ())
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
                return self.book.remember(answers.accepted_action(order_id))
            return self.book.started_job(
                job_from_response(
                    response,
                    operation=JobOperation.ACTION,
                    order_id=order_id,
                    accepted_write=True,
                )
            )
        if response.status_code == 404:
            # §2.7: 404 is "order not found or versionTag did not match"; a read tells which.
            exists = await self.reads.stored_order(order_id) is not None
            raise answers.action_not_found(response, order_id, order_exists=exists)
        if response.status_code == 422:
            raise answers.action_refused(response, order_id)
        raise error_for(response, subject=f"order {order_id}")

    async def _current_version_tag(self, order_id: str, deadline: float) -> str:
        """§2.7: the versionTag of the order's latest change, waiting for our own pending
        write to be processed and for a tag to appear, until ``deadline``."""
        delay = self.settings.poll_initial_s
        pending = self.book.pending.get(order_id)
        while pending is not None:
            job = await self.jobs.get_job(pending)
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
            stored = await self.reads.stored_order(order_id)
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
