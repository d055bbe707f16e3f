"""Per-request DataLoaders: batch and de-duplicate every read one GraphQL request makes.

Built inside each request (aiodataloader binds the running event loop when constructed). The
process-wide ``ReadCache`` sits behind them: a loader asks the vendor only for what neither the
request nor the cache has, with one ``get_orders``/``get_contacts`` call per vendor per batch.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from aiodataloader import DataLoader

from adapters.errors import ClientError, ContactNotFound, UpstreamError
from adapters.model import Contact, ContactRef, Job, Order, Vendor
from gateway.errors import BadUserInput, GatewayError, upstream_failure
from gateway.services import Services

OrderKey = tuple[Vendor, str]
ContactKey = tuple[Vendor, str]
JobKey = tuple[Vendor, str]
ContactRefKey = tuple[Vendor, ContactRef]

# Engage answers a list page with up to 100 orders; larger batches only add latency per call.
MAX_BATCH = 100


def _group(keys: Sequence[tuple[Vendor, str]]) -> dict[Vendor, list[str]]:
    grouped: dict[Vendor, list[str]] = defaultdict(list)
    for vendor, key in keys:
        if key not in grouped[vendor]:
            grouped[vendor].append(key)
    return grouped


class Loaders:
    """Batch functions answer ``list[Any]``: an ``Exception`` in a slot fails only that key
    (aiodataloader's convention), so one vendor's outage does not fail the other's reads."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.orders: DataLoader[OrderKey, Order | None] = DataLoader(
            self._load_orders, max_batch_size=MAX_BATCH
        )
        self.contacts: DataLoader[ContactKey, Contact | None] = DataLoader(
            self._load_contacts, max_batch_size=MAX_BATCH
        )
        self.contacts_by_ref: DataLoader[ContactRefKey, Contact | None] = DataLoader(
            self._find_contacts, max_batch_size=MAX_BATCH
        )
        self.jobs: DataLoader[JobKey, Job | None] = DataLoader(
            self._load_jobs, max_batch_size=MAX_BATCH
        )

    # -- orders -------------------------------------------------------------------------

    async def order(self, vendor: Vendor, order_id: str) -> Order | None:
        return await self.orders.load((vendor, order_id))

    def prime_orders(self, vendor: Vendor, orders: Iterable[Order]) -> None:
        """Orders read some other way (a contact's order list) serve later look-ups as-is."""
        for order in orders:
            self.orders.clear((vendor, order.order_id)).prime((vendor, order.order_id), order)
            self.services.cache.put_order(vendor, order)

    def forget_order(self, vendor: Vendor, order_id: str) -> None:
        """After a write: the next read in this request (and in any other) goes to the vendor."""
        self.orders.clear((vendor, order_id))
        self.services.cache.invalidate_order(vendor, order_id)

    async def _load_orders(self, keys: list[OrderKey]) -> list[Any]:
        found: dict[OrderKey, Order | Exception | None] = {}
        cache = self.services.cache

        async def fetch(vendor: Vendor, order_ids: list[str]) -> None:
            missing = []
            for order_id in order_ids:
                cached = cache.get_order(vendor, order_id)
                if cached is None:
                    missing.append(order_id)
                else:
                    found[(vendor, order_id)] = cached
            if not missing:
                return
            try:
                orders = await self.services.backend(vendor).get_orders(missing)
            except (UpstreamError, GatewayError) as exc:
                error = self._read_failure(vendor, exc, "orders", missing)
                found.update({(vendor, order_id): error for order_id in missing})
                return
            for order_id, order in zip(missing, orders, strict=True):
                found[(vendor, order_id)] = order
                if order is not None:
                    cache.put_order(vendor, order)

        await asyncio.gather(*(fetch(v, ids) for v, ids in _group(keys).items()))
        return [found[key] for key in keys]

    # -- contacts -----------------------------------------------------------------------

    async def contact(self, vendor: Vendor, contact_id: str) -> Contact | None:
        return await self.contacts.load((vendor, contact_id))

    def prime_contact(self, contact: Contact) -> None:
        key = (contact.vendor, contact.contact_id)
        self.contacts.clear(key).prime(key, contact)
        self.services.cache.put_contact(contact)

    async def _load_contacts(self, keys: list[ContactKey]) -> list[Any]:
        found: dict[ContactKey, Contact | Exception | None] = {}
        cache = self.services.cache

        async def fetch(vendor: Vendor, contact_ids: list[str]) -> None:
            missing = []
            for contact_id in contact_ids:
                cached = cache.get_contact(vendor, contact_id)
                if cached is None:
                    missing.append(contact_id)
                else:
                    found[(vendor, contact_id)] = cached
            if not missing:
                return
            try:
                contacts = await self.services.backend(vendor).get_contacts(missing)
            except (UpstreamError, GatewayError) as exc:
                error = self._read_failure(vendor, exc, "contacts", missing)
                found.update({(vendor, contact_id): error for contact_id in missing})
                return
            for contact_id, contact in zip(missing, contacts, strict=True):
                found[(vendor, contact_id)] = contact
                if contact is not None:
                    cache.put_contact(contact)

        await asyncio.gather(*(fetch(v, ids) for v, ids in _group(keys).items()))
        return [found[key] for key in keys]

    async def contact_by_ref(self, vendor: Vendor, ref: ContactRef) -> Contact | None:
        """The contact an order names by email/phone/external id (no contact id known)."""
        if ref.is_empty:
            return None
        if ref.contact_id:
            return await self.contact(vendor, ref.contact_id)
        return await self.contacts_by_ref.load((vendor, ref))

    async def _find_contacts(self, keys: list[ContactRefKey]) -> list[Any]:
        # Vendors look contacts up one key at a time; the loader still de-duplicates.
        async def find(vendor: Vendor, ref: ContactRef) -> Contact | Exception | None:
            try:
                contact = await self.services.backend(vendor).find_contact(
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
                return self._read_failure(vendor, exc, "contact", [])
            if contact is not None:
                self.prime_contact(contact)
            return contact

        return list(await asyncio.gather(*(find(vendor, ref) for vendor, ref in keys)))

    # -- jobs ---------------------------------------------------------------------------

    async def job(self, vendor: Vendor, job_id: str) -> Job | None:
        return await self.jobs.load((vendor, job_id))

    def prime_job(self, job: Job) -> None:
        key = (job.vendor, job.job_id)
        self.jobs.clear(key).prime(key, job)

    async def _load_jobs(self, keys: list[JobKey]) -> list[Any]:
        async def fetch(vendor: Vendor, job_id: str) -> Job | Exception | None:
            try:
                self.services.backend(vendor)
                return await self.services.jobs.get(vendor, job_id)
            except (UpstreamError, GatewayError) as exc:
                return self._read_failure(vendor, exc, "job", [job_id])

        return list(await asyncio.gather(*(fetch(vendor, job_id) for vendor, job_id in keys)))

    # -- failures -----------------------------------------------------------------------

    def _read_failure(
        self, vendor: Vendor, exc: UpstreamError | GatewayError, what: str, keys: list[str]
    ) -> GatewayError:
        if isinstance(exc, GatewayError):
            return exc
        self.services.record_vendor_error(
            exc,
            f"Reading {what} failed",
            vendor=vendor,
            order_id=keys[0] if what == "orders" and len(keys) == 1 else None,
            details={"keys": keys[:20]},
        )
        return upstream_failure(exc)
