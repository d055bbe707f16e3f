"""Per-request DataLoaders: batch and de-duplicate every read one GraphQL request makes.

Built inside each request (aiodataloader binds the running event loop when constructed). The
process-wide ``ReadCache`` sits behind them: a loader asks the vendor only for what neither the
request nor the cache has, with one ``get_orders``/``get_contacts`` call per vendor per batch.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Iterable, Sequence
from functools import cached_property, partial
from typing import Any, TypeVar

from aiodataloader import DataLoader

from adapters.errors import ClientError, ContactNotFound, UpstreamError
from adapters.model import Contact, ContactRef, Job, Order, Vendor
from gateway.errors import BadUserInput, GatewayError
from gateway.services import Services
from gateway.vendor_reads import read_contacts, read_failure, read_orders

OrderKey = tuple[Vendor, str]
ContactKey = tuple[Vendor, str]
JobKey = tuple[Vendor, str]
ContactRefKey = tuple[Vendor, ContactRef]

T = TypeVar("T")

# Engage answers a list page with up to 100 orders; larger batches only add latency per call.
MAX_BATCH = 100


def _group(keys: Sequence[tuple[Vendor, str]]) -> dict[Vendor, list[str]]:
    grouped: dict[Vendor, list[str]] = defaultdict(list)
    for vendor, key in keys:
        if key not in grouped[vendor]:
            grouped[vendor].append(key)
    return grouped


async def _all(coroutines: Iterable[Awaitable[T]]) -> list[T]:
    """``asyncio.gather`` without a task for the usual single call."""
    pending = list(coroutines)
    if len(pending) == 1:
        return [await pending[0]]
    return list(await asyncio.gather(*pending))


class Loaders:
    """Batch functions answer ``list[Any]``: an ``Exception`` in a slot fails only that key
    (aiodataloader's convention), so one vendor's outage does not fail the other's reads.

    Each loader is built on first use (most requests need one of them), and its batch
    function holds the services, never the ``Loaders``: no reference cycle outlives the
    request, so its objects are freed as soon as it ends.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        # Contacts this request has already read, to hand out without a round through the
        # loader: a page of 50 orders of one contact asks for that contact 50 times.
        self._known_contacts: dict[ContactKey, Contact] = {}

    @cached_property
    def orders(self) -> DataLoader[OrderKey, Order | None]:
        return DataLoader(partial(_load_orders, self.services), max_batch_size=MAX_BATCH)

    @cached_property
    def contacts(self) -> DataLoader[ContactKey, Contact | None]:
        return DataLoader(partial(_load_contacts, self.services), max_batch_size=MAX_BATCH)

    @cached_property
    def contacts_by_ref(self) -> DataLoader[ContactRefKey, Contact | None]:
        return DataLoader(
            partial(_find_contacts, self.services, self.contacts), max_batch_size=MAX_BATCH
        )

    @cached_property
    def jobs(self) -> DataLoader[JobKey, Job | None]:
        return DataLoader(partial(_load_jobs, self.services), max_batch_size=MAX_BATCH)

    # -- orders -------------------------------------------------------------------------

    async def order(self, vendor: Vendor, order_id: str) -> Order | None:
        return await self.orders.load((vendor, order_id))

    def prime_orders(self, vendor: Vendor, orders: Iterable[Order], *, cache: bool = True) -> None:
        """Orders read some other way (a contact's order list) serve later look-ups of this
        request as-is, and of every request unless ``cache`` is false (whoever read them
        cached them already)."""
        for order in orders:
            self.orders.clear((vendor, order.order_id)).prime((vendor, order.order_id), order)
            if cache:
                self.services.cache.put_order(vendor, order)

    def forget_order(self, vendor: Vendor, order_id: str) -> None:
        """After a write: the next read in this request (and in any other) goes to the vendor."""
        self.orders.clear((vendor, order_id))
        self.services.cache.invalidate_order(vendor, order_id)

    def forget_written(self, vendor: Vendor, order_id: str, job: Job) -> None:
        """After a write: the next read in this request goes to the vendor, and so does the
        next read of any request once the write's job is final. A write still running at the
        vendor changed nothing yet; its job's final state drops the cached order then."""
        self.orders.clear((vendor, order_id))
        if job.state.is_final:
            self.services.cache.forget_write(job)

    # -- contacts -----------------------------------------------------------------------

    async def contact(self, vendor: Vendor, contact_id: str) -> Contact | None:
        found = await self.contacts.load((vendor, contact_id))
        if found is not None:
            self._known_contacts[(vendor, contact_id)] = found
        return found

    def known_contact(self, vendor: Vendor, contact_id: str) -> Contact | None:
        """The contact as this request last read it, or ``None`` if it has not yet."""
        return self._known_contacts.get((vendor, contact_id))

    def prime_contact(self, contact: Contact) -> None:
        _prime_contact(self.services, self.contacts, contact)
        self._known_contacts[(contact.vendor, contact.contact_id)] = contact

    async def contact_by_ref(self, vendor: Vendor, ref: ContactRef) -> Contact | None:
        """The contact an order names by email/phone/external id (no contact id known)."""
        if ref.is_empty:
            return None
        if ref.contact_id:
            return await self.contact(vendor, ref.contact_id)
        found = await self.contacts_by_ref.load((vendor, ref))
        if found is not None:
            self._known_contacts[(vendor, found.contact_id)] = found
        return found

    # -- jobs ---------------------------------------------------------------------------

    async def job(self, vendor: Vendor, job_id: str) -> Job | None:
        return await self.jobs.load((vendor, job_id))

    def prime_job(self, job: Job) -> None:
        key = (job.vendor, job.job_id)
        self.jobs.clear(key).prime(key, job)

    def forget(self) -> None:
        """Forget everything read so far. A subscription's events, and the operations of one
        WebSocket connection (whose context lives as long as the connection), each read the
        vendors anew: an event after a write must not answer what an earlier event read."""
        for name in _LOADER_NAMES:
            self.__dict__.pop(name, None)
        self._known_contacts = {}


_LOADER_NAMES = tuple(
    name for name, member in vars(Loaders).items() if isinstance(member, cached_property)
)

# -- batch functions ----------------------------------------------------------------------


async def _load_orders(services: Services, keys: list[OrderKey]) -> list[Any]:
    found: dict[OrderKey, Order | Exception | None] = {}
    cache = services.cache

    async def fetch(vendor: Vendor, order_ids: list[str]) -> None:
        missing = []
        for order_id in order_ids:
            cached = cache.get_order(vendor, order_id)
            if cached is None:
                missing.append(order_id)
            else:
                found[(vendor, order_id)] = cached
        if missing:
            answers = await read_orders(services, vendor, missing)
            found.update(zip(((vendor, order_id) for order_id in missing), answers, strict=True))

    await _all(fetch(v, ids) for v, ids in _group(keys).items())
    return [found[key] for key in keys]


async def _load_contacts(services: Services, keys: list[ContactKey]) -> list[Any]:
    found: dict[ContactKey, Contact | Exception | None] = {}
    cache = services.cache

    async def fetch(vendor: Vendor, contact_ids: list[str]) -> None:
        missing = []
        for contact_id in contact_ids:
            cached = cache.get_contact(vendor, contact_id)
            if cached is None:
                missing.append(contact_id)
            else:
                found[(vendor, contact_id)] = cached
        if missing:
            answers = await read_contacts(services, vendor, missing)
            found.update(
                zip(((vendor, contact_id) for contact_id in missing), answers, strict=True)
            )

    await _all(fetch(v, ids) for v, ids in _group(keys).items())
    return [found[key] for key in keys]


async def _find_contacts(
    services: Services,
    contacts: DataLoader[ContactKey, Contact | None],
    keys: list[ContactRefKey],
) -> list[Any]:
    # Vendors look contacts up one key at a time; the loader still de-duplicates.
    async def find(vendor: Vendor, ref: ContactRef) -> Contact | Exception | None:
        try:
            contact = await services.backend(vendor).find_contact(
                contact_id=ref.contact_id,
                email=ref.email,
                phone=ref.phone,
                external_id=ref.external_id,
            )
        except ContactNotFound:
            return None
        except ClientError as exc:
            # An ambiguous or malformed key: the caller decides whether that is an error.
            return BadUserInput(exc.message, code=exc.code, vendor=vendor)
        except (UpstreamError, GatewayError) as exc:
            return read_failure(services, vendor, exc, "contact", [])
        if contact is not None:
            _prime_contact(services, contacts, contact)
        return contact

    return await _all(find(vendor, ref) for vendor, ref in keys)


async def _load_jobs(services: Services, keys: list[JobKey]) -> list[Any]:
    async def fetch(vendor: Vendor, job_id: str) -> Job | Exception | None:
        try:
            services.backend(vendor)
            return await services.jobs.get(vendor, job_id)
        except (UpstreamError, GatewayError) as exc:
            return read_failure(services, vendor, exc, "job", [job_id])

    return await _all(fetch(vendor, job_id) for vendor, job_id in keys)


def _prime_contact(
    services: Services, contacts: DataLoader[ContactKey, Contact | None], contact: Contact
) -> None:
    key = (contact.vendor, contact.contact_id)
    contacts.clear(key).prime(key, contact)
    services.cache.put_contact(contact)
