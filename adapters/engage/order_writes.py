"""Writes of a whole Engage order, in the gateway's three modes, with an embedded action or not.

ADD is a ``POST``, REPLACE a ``PUT``; ADD_OR_REPLACE reads first and falls back to the other
when a create or replace loses a race with someone else's write (a create's race may only show
in its job: the ``JobBook`` keeps its body for the job read that finds it). A replacement sent
for its embedded action may leave the order as Engage held it already: only the new version a
processed replacement makes tells ours apart (``resumption``). Apart from the status changes and
deletes because only these writes send the whole order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.engage import landing, mapping, resumption
from adapters.engage.bookkeeping import Fallback, JobBook
from adapters.engage.reads import EngageReads
from adapters.engage.sending import WriteSender
from adapters.errors import AlreadyExists, OrderNotFound, VendorError
from adapters.model import Job, Order, OrderAction, WriteMode


@dataclass(frozen=True, slots=True)
class OrderWrites:
    reads: EngageReads
    book: JobBook
    sender: WriteSender

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
                    version, stored = await resumption.version_before_action(
                        self.reads.stored_order,
                        order_id,
                        before,
                        replaced,
                        "write",
                        "holds what it sent",
                    )
                replaced = landing.in_new_version(version, replaced)
            job = await self._write_whole(order_id, mode, body, before, replaced, stored)
        except VendorError as failed:
            if action is not None:
                resumption.note_failure(failed, before, version)
            raise
        return self.book.track(job, warnings)

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
            job = await self.sender.create(order_id, body, repeat)
        elif mode is WriteMode.REPLACE:
            job = await self.sender.replace(order_id, body, repeat, replaced)
        else:
            if isinstance(stored, landing.NotSeen):
                stored = await self.reads.stored_order(order_id)
            if stored is None:
                try:
                    job = await self.sender.create(order_id, body, repeat)
                    fallback = True
                except AlreadyExists:
                    # Created by someone else since we looked: replace it as asked.
                    job = await self.sender.replace(order_id, body, repeat, replaced)
            else:
                try:
                    job = await self.sender.replace(order_id, body, repeat, replaced)
                except OrderNotFound:
                    job = await self.sender.create(order_id, body, repeat)
                    fallback = True
        if fallback and not job.state.is_final:
            self.book.fallbacks[job.job_id] = Fallback(order_id, body)
        return job
