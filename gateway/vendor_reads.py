"""Reads of orders and contacts from the vendors, shared by every request that asks at once.

The per-request loaders come here for what their request and the read cache do not have. An id
already being fetched for another request is joined, not fetched again (``InFlightReads`` in
the read cache), and a stale cache entry that was served is refreshed here in the background,
once. A vendor failure becomes one ``GatewayError`` per id, logged once however many requests
shared the read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from adapters.errors import ClientError, UpstreamError
from adapters.model import Contact, Order, OrderPage, Vendor
from adapters.transport import vendor_call_deadline
from gateway.cache import Key, ReadCache, contact_of_slot, page_slot
from gateway.errors import BadUserInput, GatewayError, upstream_failure
from gateway.guard.meter import CURRENT_METER
from gateway.public_text import public_message
from gateway.refresh_skipped import no_slot_for_refresh, refresh_skipped

if TYPE_CHECKING:
    from gateway.services import Services


async def read_orders(services: Services, vendor: Vendor, order_ids: list[str]) -> list[Any]:
    """``Order``, ``None`` (unknown) or a ``GatewayError`` for each id."""
    return await services.cache.order_reads.read(
        [(vendor, order_id) for order_id in order_ids],
        partial(_fetch, services, vendor, "orders"),
        keep=partial(_keep_order, services.cache),
    )


async def read_contacts(services: Services, vendor: Vendor, contact_ids: list[str]) -> list[Any]:
    """``Contact``, ``None`` (unknown) or a ``GatewayError`` for each id."""
    return await services.cache.contact_reads.read(
        [(vendor, contact_id) for contact_id in contact_ids],
        partial(_fetch, services, vendor, "contacts"),
        keep=partial(_keep_contact, services.cache),
    )


async def read_page(
    services: Services, vendor: Vendor, contact_id: str, *, first: int, after: str | None
) -> OrderPage:
    """One page of a contact's orders: from the read cache, or read once for every request
    asking for it at the same time. Raises the backend's errors (each request reports them in
    its own place)."""
    slot = page_slot(contact_id, first, after)
    cached = services.cache.get_page(vendor, slot)
    if cached is not None:
        return cached
    cache = services.cache
    (page,) = await cache.page_reads.read(
        [(vendor, slot)],
        partial(_fetch_page, services),
        keep=partial(_keep_page, cache, cache.changes_seen()),
    )
    return page


def refresh_stale_entries(services: Services) -> None:
    """Let the read cache serve a stale entry while one background read refreshes it."""
    cache = services.cache

    def refresh_order(key: Key) -> None:
        cache.order_reads.start(
            [key],
            partial(_in_background, partial(_fetch, services, key[0], "orders", background=True)),
            keep=partial(_keep_order, cache),
        )

    def refresh_contact(key: Key) -> None:
        cache.contact_reads.start(
            [key],
            partial(_in_background, partial(_fetch, services, key[0], "contacts", background=True)),
            keep=partial(_keep_contact, cache),
        )

    def refresh_page(key: Key) -> None:
        cache.page_reads.start(
            [key],
            partial(_in_background, partial(_fetch_page, services)),
            keep=partial(_keep_page, cache, cache.changes_seen()),
        )

    cache.refresh_stale_with(refresh_order, refresh_contact, refresh_page)


async def _fetch(
    services: Services, vendor: Vendor, what: str, keys: list[Key], *, background: bool = False
) -> list[Any]:
    """``background``: a refresh of a stale entry, which may find no slot in the vendor's
    budget by design (``refresh_skipped``)."""
    ids = [key for _, key in keys]
    try:
        backend = services.backend(vendor)
    except GatewayError as exc:
        return [exc for _ in ids]
    read = backend.get_orders if what == "orders" else backend.get_contacts
    return await _settled(services, vendor, what, ids, read, background=background)


R = TypeVar("R")


async def _in_background(fetch: Callable[[list[Key]], Awaitable[R]], keys: list[Key]) -> R:
    """A refresh nobody waits for: its vendor calls queue for the queue's own default time
    rather than the deadline of the request that happened to start it (behind every other
    call, unless a client read joins it: ``InFlightReads.start``), and count as none of that
    request's vendor calls nor its client's share, as other work outside requests."""
    meter = CURRENT_METER.set(None)
    try:
        with vendor_call_deadline(None):
            return await fetch(keys)
    finally:
        CURRENT_METER.reset(meter)


async def _settled(
    services: Services,
    vendor: Vendor,
    what: str,
    keys: list[str],
    read: Callable[[list[str]], Awaitable[Sequence[R | None]]],
    *,
    background: bool = False,
) -> list[R | Exception | None]:
    """``read(keys)``, one answer per key: a key that failed gets its own error, and the keys
    that were read are answered even when others failed (``partial_answers``)."""
    try:
        return list(await read(keys))
    except GatewayError as exc:
        return [exc for _ in keys]
    except ClientError as exc:
        # A read the vendor refused as malformed (an id it cannot take): the client's input.
        refused = BadUserInput(public_message(exc.message), code=exc.code, vendor=vendor)
        return [refused for _ in keys]
    except UpstreamError as exc:
        if background and no_slot_for_refresh(exc):
            refresh_skipped(services, vendor, what, keys)
            return [upstream_failure(exc) for _ in keys]
        partial_answers = exc.partial_answers
        if partial_answers is None:
            error = read_failure(services, vendor, exc, what, keys)
            return [error for _ in keys]
        failed = [
            key
            for key, answer in zip(keys, partial_answers, strict=True)
            if isinstance(answer, UpstreamError)
        ]
        read_failure(services, vendor, exc, what, failed)
        return [
            upstream_failure(answer) if isinstance(answer, UpstreamError) else answer  # type: ignore[misc]
            for answer in partial_answers
        ]


async def _fetch_page(services: Services, keys: list[Key]) -> list[OrderPage]:
    [(vendor, slot)] = keys
    contact_id, first, after = contact_of_slot(slot)
    backend = services.backend(vendor)
    return [await backend.list_contact_orders(contact_id, first=first, after=after)]


def _keep_page(cache: ReadCache, since: int, key: Key, page: OrderPage) -> None:
    vendor, slot = key
    cache.put_page(vendor, contact_of_slot(slot)[0], slot, page, since=since)


def _keep_order(cache: ReadCache, key: Key, value: object) -> None:
    if isinstance(value, Order):
        cache.put_order(key[0], value)


def _keep_contact(cache: ReadCache, key: Key, value: object) -> None:
    if isinstance(value, Contact):
        cache.put_contact(value)


def read_failure(
    services: Services,
    vendor: Vendor,
    exc: UpstreamError | GatewayError,
    what: str,
    keys: list[str],
) -> GatewayError:
    if isinstance(exc, GatewayError):
        return exc
    services.record_vendor_error(
        exc,
        f"Reading {what} failed",
        vendor=vendor,
        order_id=keys[0] if what == "orders" and len(keys) == 1 else None,
        details={"keys": keys[:20]},
    )
    return upstream_failure(exc)
