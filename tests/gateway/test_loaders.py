"""The per-request loaders over the real adapters and emulators (loopback HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from adapters.backend import Backend
from adapters.engage import EngageBackend, EngageSettings
from adapters.expertsender import ExpertSenderBackend, ExpertSenderSettings
from adapters.model import Contact, ContactRef, LogSeverity, Order, Vendor
from gateway.errors import GatewayError
from gateway.loaders import Loaders
from gateway.log import LogFilter
from gateway.services import Services, VendorStatus, build_services
from sandbox.engage.app import create_app as engage_app
from sandbox.engage.settings import DEFAULT_API_KEY as ENGAGE_KEY
from sandbox.engage.settings import EngageSandboxSettings
from sandbox.expertsender import inferred as es_inferred
from sandbox.expertsender.app import create_app as expertsender_app
from tests.support.servers import LoopbackServer, serve


@dataclass
class Emulators:
    engage: LoopbackServer
    expertsender: LoopbackServer

    def url(self, vendor: Vendor) -> str:
        return (self.engage if vendor is Vendor.ENGAGE else self.expertsender).url

    def count(self, vendor: Vendor) -> dict[str, int]:
        routes: dict[str, int] = httpx.get(f"{self.url(vendor)}/_sandbox/requests").json()[
            "by_route"
        ]
        return routes

    def reset(self) -> None:
        for vendor in Vendor:
            httpx.post(f"{self.url(vendor)}/_sandbox/requests/reset")

    def faults(self, vendor: Vendor, **settings: Any) -> None:
        httpx.put(f"{self.url(vendor)}/_sandbox/faults", json=settings).raise_for_status()


@pytest.fixture(scope="module")
def emulators() -> Iterator[Emulators]:
    with (
        serve(engage_app(EngageSandboxSettings(job_delay_ms=20))) as engage,
        serve(expertsender_app()) as expertsender,
    ):
        yield Emulators(engage, expertsender)


class Counting:
    """Delegates to a real backend, counting the batch calls the loaders make."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self.get_orders_calls: list[list[str]] = []
        self.get_contacts_calls: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    async def get_orders(self, order_ids: Sequence[str]) -> list[Order | None]:
        self.get_orders_calls.append(list(order_ids))
        return await self._backend.get_orders(order_ids)

    async def get_contacts(self, contact_ids: Sequence[str]) -> list[Contact | None]:
        self.get_contacts_calls.append(list(contact_ids))
        return await self._backend.get_contacts(contact_ids)


@pytest.fixture
async def services(emulators: Emulators) -> AsyncIterator[Services]:
    emulators.reset()
    backends: dict[Vendor, Any] = {
        Vendor.ENGAGE: Counting(
            EngageBackend(EngageSettings(base_url=emulators.engage.url, api_key=ENGAGE_KEY))
        ),
        Vendor.EXPERTSENDER: Counting(
            ExpertSenderBackend(
                ExpertSenderSettings(
                    api_key=es_inferred.DEFAULT_API_KEY,
                    base_url=emulators.expertsender.url,
                    max_attempts=1,
                )
            )
        ),
    }
    built = build_services(
        backends,
        {vendor: VendorStatus(configured=True, sandbox=True) for vendor in Vendor},
        cache_ttl_s=60,
    )
    yield built
    await built.aclose()


def counting(services: Services, vendor: Vendor) -> Counting:
    backend = services.backends[vendor]
    assert isinstance(backend, Counting)
    return backend


async def test_loads_in_one_tick_become_one_batch_per_vendor(services: Services) -> None:
    loaders = Loaders(services)
    found = await asyncio.gather(
        loaders.order(Vendor.ENGAGE, "ENG-1001"),
        loaders.order(Vendor.ENGAGE, "ENG-1002"),
        loaders.order(Vendor.ENGAGE, "ENG-1001"),
        loaders.order(Vendor.EXPERTSENDER, "ES-1001"),
        loaders.order(Vendor.EXPERTSENDER, "NOPE"),
    )
    assert [o.order_id if o else None for o in found] == [
        "ENG-1001",
        "ENG-1002",
        "ENG-1001",
        "ES-1001",
        None,
    ]
    assert counting(services, Vendor.ENGAGE).get_orders_calls == [["ENG-1001", "ENG-1002"]]
    assert counting(services, Vendor.EXPERTSENDER).get_orders_calls == [["ES-1001", "NOPE"]]


async def test_a_later_request_is_served_by_the_cache(
    services: Services, emulators: Emulators
) -> None:
    await Loaders(services).order(Vendor.ENGAGE, "ENG-1001")
    emulators.reset()
    order = await Loaders(services).order(Vendor.ENGAGE, "ENG-1001")
    assert order is not None and order.order_id == "ENG-1001"
    assert emulators.count(Vendor.ENGAGE) == {}
    assert len(counting(services, Vendor.ENGAGE).get_orders_calls) == 1


async def test_unknown_orders_are_not_cached(services: Services) -> None:
    assert await Loaders(services).order(Vendor.ENGAGE, "NOT-YET") is None
    assert await Loaders(services).order(Vendor.ENGAGE, "NOT-YET") is None
    assert len(counting(services, Vendor.ENGAGE).get_orders_calls) == 2


async def test_primed_orders_are_not_read_again(services: Services) -> None:
    first = Loaders(services)
    [order] = [o for o in await first.orders.load_many([(Vendor.ENGAGE, "ENG-1003")]) if o]
    services.cache.clear()
    second = Loaders(services)
    second.prime_orders(Vendor.ENGAGE, [order])
    assert await second.order(Vendor.ENGAGE, "ENG-1003") == order
    assert len(counting(services, Vendor.ENGAGE).get_orders_calls) == 1


async def test_forget_order_reads_again(services: Services) -> None:
    loaders = Loaders(services)
    await loaders.order(Vendor.EXPERTSENDER, "ES-1002")
    loaders.forget_order(Vendor.EXPERTSENDER, "ES-1002")
    await loaders.order(Vendor.EXPERTSENDER, "ES-1002")
    assert counting(services, Vendor.EXPERTSENDER).get_orders_calls == [["ES-1002"], ["ES-1002"]]


async def test_contacts_batch_and_resolve_by_reference(services: Services) -> None:
    loaders = Loaders(services)
    by_ref = await loaders.contact_by_ref(
        Vendor.EXPERTSENDER, ContactRef(email="jonas.lind@example.com")
    )
    assert by_ref is not None and by_ref.email == "jonas.lind@example.com"
    # Found by reference, the contact is primed: loading it by id costs nothing more.
    assert await loaders.contact(Vendor.EXPERTSENDER, by_ref.contact_id) == by_ref
    assert counting(services, Vendor.EXPERTSENDER).get_contacts_calls == []
    assert await loaders.contact_by_ref(Vendor.EXPERTSENDER, ContactRef()) is None


async def test_a_contact_read_in_this_request_is_known_at_once(services: Services) -> None:
    loaders = Loaders(services)
    assert loaders.known_contact(Vendor.ENGAGE, "nobody") is None
    missing = await loaders.contact(Vendor.ENGAGE, "nobody")
    assert missing is None and loaders.known_contact(Vendor.ENGAGE, "nobody") is None
    by_ref = await loaders.contact_by_ref(
        Vendor.EXPERTSENDER, ContactRef(email="maria.nilsson@example.com")
    )
    assert by_ref is not None
    assert loaders.known_contact(Vendor.EXPERTSENDER, by_ref.contact_id) == by_ref
    contact_id = by_ref.contact_id
    by_id = await loaders.contact(Vendor.EXPERTSENDER, contact_id)
    assert loaders.known_contact(Vendor.EXPERTSENDER, contact_id) == by_id
    # Another request starts with nothing known.
    assert Loaders(services).known_contact(Vendor.EXPERTSENDER, contact_id) is None


async def test_a_primed_contact_is_known(services: Services) -> None:
    first = Loaders(services)
    contact = await first.contact_by_ref(
        Vendor.EXPERTSENDER, ContactRef(email="jonas.lind@example.com")
    )
    assert contact is not None
    second = Loaders(services)
    second.prime_contact(contact)
    assert second.known_contact(Vendor.EXPERTSENDER, contact.contact_id) == contact


async def test_one_vendor_failing_fails_only_its_keys_and_is_logged(
    services: Services, emulators: Emulators
) -> None:
    emulators.faults(Vendor.EXPERTSENDER, error_rate=1.0)
    try:
        loaders = Loaders(services)
        engage, expertsender = await asyncio.gather(
            loaders.order(Vendor.ENGAGE, "ENG-2001"),
            loaders.order(Vendor.EXPERTSENDER, "ES-1003"),
            return_exceptions=True,
        )
    finally:
        emulators.faults(Vendor.EXPERTSENDER, error_rate=0.0)
    assert isinstance(engage, Order) and engage.order_id == "ENG-2001"
    assert isinstance(expertsender, GatewayError)
    assert expertsender.extensions["vendor"] == "EXPERTSENDER"
    assert expertsender.extensions["upstreamStatus"] == 503
    [entry] = (await services.log.query(LogFilter(severity=LogSeverity.ERROR), 10, None)).entries
    assert entry.vendor is Vendor.EXPERTSENDER and entry.order_id == "ES-1003"


async def test_jobs_load_through_the_tracker(services: Services) -> None:
    loaders = Loaders(services)
    assert await loaders.job(Vendor.EXPERTSENDER, "no-such-job") is None
