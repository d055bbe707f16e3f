"""A change of an Engage order's status, alone or carrying an order action.

The status alone is a plain write: an order already showing it is as asked, whoever set it. With
an action, the change must land once, and is told from the status the order already had only by
the new version Engage makes for it (``resumption``): the version read before sending rides on
the failure to the retry. Apart from the whole-order writes because it sends its own endpoint's
body and shows landed by the status, not by the order sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.engage import inferred, landing, mapping, resumption, statuses
from adapters.engage.bookkeeping import JobBook
from adapters.engage.reads import EngageReads
from adapters.engage.sending import WriteSender
from adapters.errors import VendorError
from adapters.model import Job, JobOperation, OrderAction, OrderStatus
from adapters.transport import path_segment


@dataclass(frozen=True, slots=True)
class StatusChanges:
    reads: EngageReads
    book: JobBook
    sender: WriteSender

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
            job = await self.sender.send(
                "POST",
                path,
                body,
                operation=JobOperation.CHANGE_STATUS,
                order_id=order_id,
                landed=landed,
                may_have_landed=may_have_landed,
            )
            return self.book.track(job, target.warnings)
        body["orderAction"] = mapping.embedded_action_to_vendor(action)
        before = resumption.read(earlier) if may_have_landed else resumption.FIRST
        job = await self._change_with_action(order_id, path, body, landed, before)
        return self.book.track(job, target.warnings)

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
                version, _ = await resumption.version_before_action(
                    self.reads.stored_order, order_id, before, landed, "change", "shows its status"
                )
            return await self.sender.send(
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
