"""``EngageBackend``: the ``Backend`` protocol over Voyado Engage v3 Orders.

Every write is asynchronous at Engage and comes back as the vendor's own job. Writes are never
resent blind: when an answer is lost the order is read, on the job-poll schedule up to the job
timeout, until it holds the write (``ownership``): then the write is done; if it never shows,
the caller gets ``WriteOutcomeUnknown``. A write that may repeat an earlier attempt (the
caller's ``may_have_landed``) has a refusal, or its job's asynchronous ``ORDER_ALREADY_EXISTS``,
checked against a read the same way. Jobs the adapter had to steer (a create that lost a race
in ADD_OR_REPLACE mode and was turned into a replace; a write confirmed by a read) keep the job
id the caller first saw; that bookkeeping lives in this process, bounded in size and age.

This module only assembles the adapter. Each method of the protocol is the one of its concept's
module, with its signature and documentation there: ``reads`` (orders and contacts),
``job_reads``, ``order_writes`` (whole orders in the three modes), ``status_changes``,
``deletes`` and ``actions``; beneath them ``sending`` (one write, never resent blind),
``lost_answers`` (a write confirmed by a read) and ``bookkeeping`` (what this process remembers
of its jobs).
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.backend import Capabilities
from adapters.engage.actions import Actions
from adapters.engage.bookkeeping import JobBook
from adapters.engage.deletes import Deletes
from adapters.engage.job_reads import JobReads
from adapters.engage.lost_answers import LostAnswers
from adapters.engage.order_writes import OrderWrites
from adapters.engage.reads import EngageReads
from adapters.engage.sending import WriteSender
from adapters.engage.settings import EngageSettings
from adapters.engage.status_changes import StatusChanges
from adapters.model import Vendor
from adapters.transport import TransportEvent, VendorTransport

# Engage has a change-delivery endpoint, but the gateway offers no mutation for it, so it is not
# advertised (a delivery change is a REPLACE of the whole order).
_CAPABILITIES = Capabilities(
    actions=True, list_by_contact=True, change_delivery=False, async_jobs=True, batch_get=False
)


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
        book = JobBook()
        reads = EngageReads(self.transport, settings)
        lost = LostAnswers(settings, reads, book)
        sender = WriteSender(self.transport, settings, reads, book, lost)
        jobs = JobReads(self.transport, reads, book, lost, sender)
        # The protocol's methods, each its concept's own: stated once, where the work is.
        self.get_order = reads.get_order
        self.get_orders = reads.get_orders
        self.list_contact_orders = reads.list_contact_orders
        self.find_contact = reads.find_contact
        self.get_contacts = reads.get_contacts
        self.get_job = jobs.get_job
        self.write_order = OrderWrites(reads, book, sender).write_order
        self.change_status = StatusChanges(reads, book, sender).change_status
        self.delete_order = Deletes(reads, book, sender).delete_order
        self.trigger_action = Actions(self.transport, settings, reads, book, jobs).trigger_action

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
