"""Vendor calls counted per request, capped, and queued in the client's share.

The request's ``RequestMeter`` travels in a context variable (set when its operation starts),
so a backend call made anywhere inside the request, a DataLoader batch included, is counted
without every call site passing it on. Work outside requests (job pollers) has no meter and is
neither counted nor queued; a meter whose operation has ended stops counting, so a poller
started by a write does not spend the client's share after the answer went out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, TypeVar

from adapters.backend import Backend, Capabilities
from adapters.errors import RateLimited, VendorError
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
from adapters.reads import read_each
from adapters.transport import DEFAULT_QUEUE_WAIT_S, VendorCallPriority, current_priority
from gateway.errors import GatewayError, VendorCallLimitReached
from gateway.guard.fair_queue import FairQueue
from gateway.guard.shares import ClientShares

T = TypeVar("T")


@dataclass(eq=False, slots=True)
class RequestMeter:
    client: str
    max_calls: int
    estimated: int = 0
    calls: int = 0
    open: bool = True

    def count(self, calls: int) -> None:
        if self.calls + calls > self.max_calls:
            raise VendorCallLimitReached(
                f"This request reached the limit of {self.max_calls} vendor calls per request "
                f"({self.calls} made); ask for less in one request"
            )
        self.calls += calls


CURRENT_METER: ContextVar[RequestMeter | None] = ContextVar("gateway_request_meter", default=None)


# Whose turn a call outside any request (a job poller) takes in the fair queue.
BACKGROUND_CLIENT = "gateway:background"


class WaitingCount(Protocol):
    """Where the calls waiting for their turn are counted (a gauge)."""

    def inc(self) -> None: ...

    def dec(self) -> None: ...


class _NotCounted:
    def inc(self) -> None:
        pass

    def dec(self) -> None:
        pass


NOT_COUNTED = _NotCounted()


class _Wait:
    """One call counted as waiting from its start until it is sent or refused."""

    __slots__ = ("_count", "_over")

    def __init__(self, count: WaitingCount) -> None:
        count.inc()
        self._count = count
        self._over = False

    def over(self) -> None:
        if not self._over:
            self._over = True
            self._count.dec()


class MeteredBackend:
    """A ``Backend`` whose calls count against the current request, wait for a slot of its
    client's share and take their client's turn at the vendor's rate (``FairQueue``). A batch
    read is made id by id, each in its own slot and turn."""

    def __init__(
        self,
        inner: Backend,
        shares: ClientShares,
        *,
        rate_per_s: float,
        queue_wait_s: float = DEFAULT_QUEUE_WAIT_S,
        waiting: Mapping[VendorCallPriority, WaitingCount] | None = None,
    ) -> None:
        self.inner = inner
        self.shares = shares
        # Counted by the priority a call queues at: an operator tells a flood of reads from
        # writes held back by the budget.
        self._waiting = waiting or {}
        # ``queue_wait_s``: how long a call with no request deadline of its own may queue.
        self.queue = FairQueue(rate_per_s, default_wait_s=queue_wait_s)

    @property
    def vendor(self) -> Vendor:
        return self.inner.vendor

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    async def _turns(self, client: str, calls: int) -> None:
        for _ in range(calls):
            await self._turn(client)

    async def _turn(self, client: str) -> None:
        try:
            await self.queue.turn(client)
        except RateLimited as exc:
            exc.vendor = self.inner.vendor
            raise

    async def _call(self, calls: int, call: Callable[[], Awaitable[T]]) -> T:
        meter = CURRENT_METER.get()
        called = False
        wait = _Wait(self._waiting.get(current_priority(), NOT_COUNTED))
        try:
            if meter is None or not meter.open:
                await self._turns(BACKGROUND_CLIENT, calls)
                wait.over()
                called = True
                return await call()
            meter.count(calls)
            async with self.shares.slot(meter.client, vendor=self.inner.vendor):
                await self._turns(meter.client, calls)
                wait.over()
                called = True
                return await call()
        except (VendorError, GatewayError) as refused:
            if not called:
                # A retry of a write refused here (same idempotency key) need not wonder
                # whether it reached the vendor.
                refused.sent_nothing = True
            raise
        finally:
            wait.over()

    async def _each(
        self, keys: Sequence[str], read: Callable[[Sequence[str]], Awaitable[list[T]]]
    ) -> list[T]:
        meter = CURRENT_METER.get()
        if meter is None or not meter.open or len(keys) <= 1:
            return await self._call(len(keys), lambda: read(keys))
        meter.count(len(keys))
        client = meter.client

        async def one(key: str) -> T:
            wait = _Wait(self._waiting.get(current_priority(), NOT_COUNTED))
            try:
                async with self.shares.slot(client, vendor=self.inner.vendor):
                    await self._turn(client)
                    wait.over()
                    return (await read([key]))[0]
            finally:
                wait.over()

        # The adapters' own way of reading id by id: each id once, and when some fail the
        # others' answers travel with the failure (``partial_answers``).
        return await read_each(keys, one)

    async def get_orders(self, order_ids: Sequence[str]) -> list[Order | None]:
        return await self._each(order_ids, self.inner.get_orders)

    async def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact | None]:
        return await self._each(contact_ids, self.inner.get_contacts)

    async def list_contact_orders(
        self, contact_id: str, *, first: int = 10, after: str | None = None
    ) -> OrderPage:
        return await self._call(
            1, lambda: self.inner.list_contact_orders(contact_id, first=first, after=after)
        )

    async def find_contact(
        self,
        *,
        contact_id: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        external_id: str | None = None,
    ) -> Contact | None:
        return await self._call(
            1,
            lambda: self.inner.find_contact(
                contact_id=contact_id, email=email, phone=phone, external_id=external_id
            ),
        )

    async def write_order(
        self,
        order: Order,
        mode: WriteMode,
        *,
        action: OrderAction | None = None,
        may_have_landed: bool = False,
        earlier: str | None = None,
    ) -> Job:
        return await self._call(
            1,
            lambda: self.inner.write_order(
                order, mode, action=action, may_have_landed=may_have_landed, earlier=earlier
            ),
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
        return await self._call(
            1,
            lambda: self.inner.change_status(
                order_id,
                status,
                external_status=external_status,
                action=action,
                may_have_landed=may_have_landed,
                earlier=earlier,
            ),
        )

    async def delete_order(
        self, order_id: str, *, may_have_landed: bool = False, earlier: str | None = None
    ) -> Job:
        return await self._call(
            1,
            lambda: self.inner.delete_order(
                order_id, may_have_landed=may_have_landed, earlier=earlier
            ),
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
        return await self._call(
            1,
            lambda: self.inner.trigger_action(
                order_id,
                action,
                version_tag=version_tag,
                may_have_landed=may_have_landed,
                earlier=earlier,
            ),
        )

    async def get_job(self, job_id: str, *, known: Job | None = None) -> Job:
        return await self._call(1, lambda: self.inner.get_job(job_id, known=known))

    async def aclose(self) -> None:
        await self.inner.aclose()
