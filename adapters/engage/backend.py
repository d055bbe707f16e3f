"""``EngageBackend``: the ``Backend`` protocol over Voyado Engage v3 Orders.

Every write is asynchronous at Engage and comes back as the vendor's own job. Writes are never
resent blind: when an answer is lost the order is read, on the job-poll schedule up to the job
timeout, until it holds the write (``ownership``): then the write is done; if it never shows,
the caller gets ``WriteOutcomeUnknown``. A write that may repeat an earlier attempt (the
caller's ``may_have_landed``) has a refusal, or its job's asynchronous ``ORDER_ALREADY_EXISTS``,
checked against a read the same way. Jobs the adapter had to steer (a create that lost a race
in ADD_OR_REPLACE mode and was turned into a replace; a write confirmed by a read) keep the job
id the caller first saw; that bookkeeping lives in this process, bounded in size and age.

This module only assembles the adapter; each concept has its own module: ``reads`` (orders and
contacts), ``order_writes`` (whole orders in the three modes), ``status_changes``, ``deletes``,
``actions``, ``sending`` (one write, never resent blind), ``lost_answers`` (a write confirmed by
a read), ``job_reads`` (a job, completed by what this process knows) and ``bookkeeping``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
from adapters.model import (
    Contact,
    Job,
    Order,
    OrderAction,
    OrderPage,
    OrderStatus,
    Vendor,
    WriteMode,
)
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
        self._reads = reads
        self._jobs = JobReads(self.transport, reads, book, lost, sender)
        self._order_writes = OrderWrites(reads, book, sender)
        self._status_changes = StatusChanges(reads, book, sender)
        self._deletes = Deletes(reads, book, sender)
        self._actions = Actions(self.transport, settings, reads, book, self._jobs)

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
        return await self._reads.get_order(order_id)

    async def get_orders(self, order_ids: Sequence[str]) -> list[Order | None]:
        return await self._reads.get_orders(order_ids)

    async def list_contact_orders(
        self, contact_id: str, *, first: int = 10, after: str | None = None
    ) -> OrderPage:
        return await self._reads.list_contact_orders(contact_id, first=first, after=after)

    async def find_contact(
        self,
        *,
        contact_id: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        external_id: str | None = None,
    ) -> Contact | None:
        return await self._reads.find_contact(
            contact_id=contact_id, email=email, phone=phone, external_id=external_id
        )

    async def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact | None]:
        return await self._reads.get_contacts(contact_ids)

    async def get_job(self, job_id: str, *, known: Job | None = None) -> Job:
        return await self._jobs.get_job(job_id, known=known)

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
        return await self._order_writes.write_order(
            order, mode, action=action, may_have_landed=may_have_landed, earlier=earlier
        )

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
        return await self._status_changes.change_status(
            order_id,
            status,
            external_status=external_status,
            action=action,
            may_have_landed=may_have_landed,
            earlier=earlier,
        )

    async def delete_order(
        self, order_id: str, *, may_have_landed: bool = False, earlier: str | None = None
    ) -> Job:
        return await self._deletes.delete_order(
            order_id, may_have_landed=may_have_landed, earlier=earlier
        )

    async def trigger_action(
        self,
        order_id: str,
        action: OrderAction,
        *,
        version_tag: str | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        return await self._actions.trigger_action(
            order_id,
            action,
            version_tag=version_tag,
            may_have_landed=may_have_landed,
            earlier=earlier,
        )
