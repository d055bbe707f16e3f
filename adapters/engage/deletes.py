"""Deleting an Engage order, with the read before it that tells "not there" from "deleted".

An order that is not there is not deleted by us, even if a delete's answer is then lost: a read
after it could not tell the two apart, so the order is read first (``ORDER_NOT_FOUND``). A retry
after a lost delete skips that read and recognises its own delete by the order being gone. Apart
from the other writes because only a delete shows landed by an absence.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.engage import landing, resumption
from adapters.engage.bookkeeping import JobBook
from adapters.engage.reads import EngageReads, order_path
from adapters.engage.sending import WriteSender
from adapters.errors import OrderNotFound
from adapters.model import Job, JobOperation, Vendor


@dataclass(frozen=True, slots=True)
class Deletes:
    reads: EngageReads
    book: JobBook
    sender: WriteSender

    async def delete_order(
        self, order_id: str, *, may_have_landed: bool = False, earlier: str | None = None
    ) -> Job:
        before = resumption.read(earlier) if may_have_landed else resumption.FIRST
        with resumption.noting(before):
            if not before.may_have_sent and await self.reads.stored_order(order_id) is None:
                # An order that is not there is not deleted by us, even if a delete's answer
                # is then lost: a read after it could not tell the two apart.
                raise OrderNotFound(f"Order {order_id} was not found", vendor=Vendor.ENGAGE)
            job = await self.sender.send(
                "DELETE",
                order_path(order_id),
                None,
                operation=JobOperation.DELETE,
                order_id=order_id,
                landed=landing.is_gone,
                may_have_landed=before.may_have_sent,
            )
        return self.book.track(job, ())
