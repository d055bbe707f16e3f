"""Property: any valid domain order written through the adapter and read back equals the
original in every field Engage holds."""

from __future__ import annotations

import asyncio
import itertools
import string
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.engage import EngageBackend
from adapters.engage.mapping import held_by_engage
from adapters.model import (
    Address,
    Attribute,
    ContactRef,
    Delivery,
    Discount,
    Fee,
    JobState,
    Order,
    OrderLine,
    OrderLineType,
    OrderStatus,
    Payment,
    Tax,
    WriteMode,
)
from sandbox.engage.app import create_app
from sandbox.engage.settings import EngageSandboxSettings
from tests.adapters.engage.conftest import fast_settings, finish
from tests.support.servers import LoopbackServer, serve
from tests.support.variants import run_variants

_ids = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=1, max_size=24)
_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=24)
_key = _text.filter(lambda value: bool(value.strip()))
_maybe_text = st.none() | _text
_money = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)
_moment = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)
_tax = st.builds(Tax, amount=_money, percent=st.none() | _money, description=_maybe_text)
_discount = st.builds(Discount, amount=_money, type=_maybe_text, description=_maybe_text)
_attribute = st.builds(Attribute, name=_key, value=_maybe_text)
_contact = st.one_of(
    st.builds(ContactRef, email=_key),
    st.builds(ContactRef, phone=_key),
    st.builds(ContactRef, external_id=_key),
    st.builds(ContactRef, contact_id=_key, email=st.none() | _key),
)
_line = st.builds(
    OrderLine,
    sku=_key.filter(lambda s: len(s) <= 128),
    quantity=st.integers(1, 10_000),
    type=st.sampled_from(OrderLineType),
    line_id=st.none() | _ids,
    name=_maybe_text,
    returned_quantity=st.none() | st.integers(0, 10),
    unit_price=st.none() | _money,
    total_price=_money,
    url=_maybe_text,
    image_url=_maybe_text,
    category=_maybe_text,
    attributes=st.lists(_attribute, max_size=2).map(tuple),
    discounts=st.lists(_discount, max_size=2).map(tuple),
    taxes=st.lists(_tax, max_size=2).map(tuple),
)
_address = st.builds(
    Address,
    title=_maybe_text,
    first_name=_maybe_text,
    last_name=_maybe_text,
    company=_maybe_text,
    street=_maybe_text,
    zip_code=_maybe_text,
    city=_maybe_text,
    country_code=_maybe_text,
    email=_maybe_text,
    phone=_maybe_text,
)
_orders = st.builds(
    Order,
    order_id=_ids,
    created_at=_moment,
    contact=_contact,
    lines=st.lists(_line, min_size=1, max_size=3).map(tuple),
    status=st.none() | st.sampled_from(OrderStatus),
    external_status=_maybe_text,
    time_zone=_maybe_text,
    currency=st.from_regex(r"[A-Z]{3}", fullmatch=True),
    total=_money,
    returns_value=st.none() | _money,
    payments=st.lists(
        st.builds(Payment, amount=_money, method=_maybe_text, reference=_maybe_text), max_size=2
    ).map(tuple),
    discounts=st.lists(_discount, max_size=2).map(tuple),
    fees=st.lists(
        st.builds(
            Fee,
            amount=_money,
            type=_maybe_text,
            description=_maybe_text,
            taxes=st.lists(_tax, max_size=2).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    taxes=st.lists(_tax, max_size=1).map(tuple),
    delivery=st.none()
    | st.builds(
        Delivery,
        method=_maybe_text,
        tracking_number=_maybe_text,
        tracking_uri=_maybe_text,
        delivery_date=st.none() | _moment,
    ),
    billing_address=st.none() | _address,
    shipping_address=st.none() | _address,
    attributes=st.lists(_attribute, max_size=2).map(tuple),
    references=st.lists(_text, max_size=2).map(tuple),
    store_id=st.none() | _ids,
    website_id=st.none() | st.integers(0, 1000),
    channel=_maybe_text,
)

_unique = itertools.count()


@pytest.fixture(scope="module")
def engage_server_module() -> Iterator[LoopbackServer]:
    with serve(
        create_app(EngageSandboxSettings(job_delay_ms=10, variants=run_variants()))
    ) as server:
        yield server


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=_orders)
def test_written_orders_read_back_equal_in_every_field_engage_holds(
    engage_server_module: LoopbackServer, order: Order
) -> None:
    # Ids must be fresh per example; the generated id is kept as the prefix.
    order = replace(order, order_id=f"{order.order_id}-{next(_unique)}")

    async def write_and_read() -> Order | None:
        backend = EngageBackend(fast_settings(engage_server_module.url))
        try:
            job = await finish(backend, await backend.write_order(order, WriteMode.ADD))
            assert job.state in (JobState.COMPLETED, JobState.COMPLETED_WITH_ERRORS), job.errors
            return await backend.get_order(order.order_id)
        finally:
            await backend.aclose()

    read = asyncio.run(write_and_read())
    assert read is not None
    assert held_by_engage(read) == held_by_engage(order)
