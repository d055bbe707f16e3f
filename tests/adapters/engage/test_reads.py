"""EngageBackend reads against the Engage emulator over real HTTP."""

from __future__ import annotations

import pytest

from adapters.engage import EngageBackend
from adapters.errors import AmbiguousContact, ContactNotFound, ValidationFailed
from adapters.model import OrderLineType, OrderType
from tests.adapters.engage.conftest import Sandbox
from tests.adapters.engage.samples import ANNA_EMAIL, ANNA_ID, HOUSEHOLD_PHONE, MANY_ID


async def test_get_orders_reads_each_id_once_in_the_order_asked(
    backend: EngageBackend, sandbox: Sandbox
) -> None:
    await sandbox.reset_requests()
    orders = await backend.get_orders(["ENG-1004", "NOPE-1", "ENG-1003", "ENG-1004"])
    assert [o.order_id if o else None for o in orders] == [
        "ENG-1004",
        None,
        "ENG-1003",
        "ENG-1004",
    ]
    mixed, _, returned, _ = orders
    assert mixed is not None and returned is not None
    assert mixed.type is OrderType.MIXED
    assert {line.type for line in mixed.lines} == {OrderLineType.PURCHASE, OrderLineType.RETURN}
    assert returned.type is OrderType.RETURN and returned.references == ("ENG-1001",)
    assert mixed.version_tag and mixed.contact_id == ANNA_ID
    counts = (await sandbox.requests())["by_route"]
    assert counts == {"GET /api/v3/orders/{orderId}": 3}


async def test_contact_orders_page_through_vendor_links(backend: EngageBackend) -> None:
    seen: list[str] = []
    page = await backend.list_contact_orders(MANY_ID, first=25)
    assert page.total_count == 60 and page.previous_cursor is None
    pages = 1
    seen += [o.order_id for o in page.orders]
    while page.next_cursor is not None:
        page = await backend.list_contact_orders(MANY_ID, first=25, after=page.next_cursor)
        assert page.previous_cursor is not None
        seen += [o.order_id for o in page.orders]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 60
    back = await backend.list_contact_orders(MANY_ID, after=page.previous_cursor)
    assert [o.order_id for o in back.orders] == seen[25:50]


async def test_contact_orders_errors(backend: EngageBackend) -> None:
    with pytest.raises(ContactNotFound) as unknown:
        await backend.list_contact_orders("00000000-0000-4000-8000-000000000000")
    assert unknown.value.upstream_status == 404 and unknown.value.vendor_messages
    with pytest.raises(ValidationFailed):
        await backend.list_contact_orders("not-a-guid")
    with pytest.raises(ValidationFailed):
        await backend.list_contact_orders(MANY_ID, after="forged")
    with pytest.raises(ValidationFailed):
        await backend.list_contact_orders(MANY_ID, first=0)
    page = await backend.list_contact_orders(MANY_ID, first=500)
    assert len(page.orders) == 60  # clamped to the vendor's page size of 100 at most


async def test_find_contact_by_every_key(backend: EngageBackend) -> None:
    by_email = await backend.find_contact(email=ANNA_EMAIL)
    assert by_email is not None and by_email.contact_id == ANNA_ID
    assert (by_email.first_name, by_email.last_name) == ("Anna", "Berg")
    assert await backend.find_contact(phone=by_email.phone) == by_email
    assert await backend.find_contact(external_id=by_email.external_id) == by_email
    assert await backend.find_contact(contact_id=ANNA_ID) == by_email
    assert await backend.find_contact(email="nobody@example.com") is None
    assert await backend.find_contact(contact_id="00000000-0000-4000-8000-000000000000") is None


async def test_find_contact_refusals(backend: EngageBackend) -> None:
    with pytest.raises(AmbiguousContact) as ambiguous:
        await backend.find_contact(phone=HOUSEHOLD_PHONE)
    assert ambiguous.value.substatus == "MultipleMatches"
    with pytest.raises(ValidationFailed) as bad:
        await backend.find_contact(email="not an email")
    assert bad.value.vendor_messages
    with pytest.raises(ValidationFailed):
        await backend.find_contact()


async def test_get_contacts(backend: EngageBackend) -> None:
    found = await backend.get_contacts([MANY_ID, "00000000-0000-4000-8000-000000000000", MANY_ID])
    assert [c.contact_id if c else None for c in found] == [MANY_ID, None, MANY_ID]
