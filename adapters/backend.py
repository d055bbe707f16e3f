"""The ``Backend`` protocol every vendor adapter implements, and its capability flags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

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


@dataclass(frozen=True, slots=True)
class Capabilities:
    actions: bool
    list_by_contact: bool
    change_delivery: bool
    async_jobs: bool
    batch_get: bool

    def names(self) -> list[str]:
        """The capability names the gateway shows in ``Query.vendors``."""
        return [name for name in self.__dataclass_fields__ if getattr(self, name)]


@runtime_checkable
class Backend(Protocol):
    """One vendor's order API in vendor-neutral terms.

    Reads return ``None`` for an unknown id; writes return a ``Job`` (finished at once for a
    synchronous vendor) and raise ``adapters.errors`` exceptions for everything else.
    """

    @property
    def vendor(self) -> Vendor: ...

    @property
    def capabilities(self) -> Capabilities: ...

    async def get_orders(self, order_ids: Sequence[str]) -> list[Order | None]:
        """The orders in the order asked, ``None`` where unknown; one upstream batch if the
        vendor allows it, otherwise concurrent single reads."""
        ...

    async def list_contact_orders(
        self, contact_id: str, *, first: int = 10, after: str | None = None
    ) -> OrderPage: ...

    async def find_contact(
        self,
        *,
        contact_id: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        external_id: str | None = None,
    ) -> Contact | None: ...

    async def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact | None]: ...

    async def write_order(
        self,
        order: Order,
        mode: WriteMode,
        *,
        action: OrderAction | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        """``may_have_landed``: an earlier attempt of this same write may have reached the
        vendor (its answer was lost, or its process died), so a refusal such as "already
        exists" is checked against a read: a stored order that is this write is reported done.
        ``earlier``: the ``resume_note`` the earlier attempt's failure carried (None: unknown),
        which tells its write apart from an order that already held what it sends."""
        ...

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
        """``may_have_landed``: as for ``write_order``; an order that already shows the change
        is reported done, without changing it again. ``earlier``: the ``resume_note`` the
        earlier attempt's failure carried (None: unknown), which tells its write apart from a
        status the order already had."""
        ...

    async def delete_order(
        self, order_id: str, *, may_have_landed: bool = False, earlier: str | None = None
    ) -> Job:
        """``may_have_landed``/``earlier``: as for ``write_order``; an order gone after an
        earlier attempt that may have deleted it is reported deleted, not ``ORDER_NOT_FOUND``."""
        ...

    async def trigger_action(
        self,
        order_id: str,
        action: OrderAction,
        *,
        version_tag: str | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        """``may_have_landed``/``earlier``: as for ``change_status``. An action leaves nothing
        a read can check, so one an earlier attempt may have sent is not sent again."""
        ...

    async def get_job(self, job_id: str, *, known: Job | None = None) -> Job:
        """The job's current state from the vendor (raises ``JobNotFound``). ``known`` is the
        caller's last record of the job: it fills in what a vendor's job answer leaves out
        (Engage documents neither the operation nor a body on a finished job's 302)."""
        ...

    async def aclose(self) -> None: ...
