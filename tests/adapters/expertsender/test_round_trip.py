"""Property: any order ECDP accepts, written and read back, equals the original in every field
ECDP holds (and the vendor adds only the customer id, the raw status and the derived type)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.expertsender import FIELD_NOT_SUPPORTED, ExpertSenderBackend, statuses
from adapters.expertsender.mapping import order_type
from adapters.model import (
    Attribute,
    ContactRef,
    Order,
    OrderLine,
    OrderLineType,
    OrderStatus,
    WriteMode,
)
from sandbox.expertsender.inferred import TIME_ZONES
from tests.adapters.expertsender.conftest import Sandbox, settings_for

INT32_MAX = 2_147_483_647
# Attribute types whose values are free text; typed ones (Integer, Date, Url) need formats.
FREE_TEXT_TYPES = {"string", "text"}

# One UTF-16 unit per character (the vendor counts .NET string lengths), no lone surrogates.
CHARS = st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"])


def text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(CHARS, min_size=min_size, max_size=max_size)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


money = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
price = st.floats(min_value=-1e9, max_value=1e12, allow_nan=False, allow_infinity=False)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
created = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=offsets
)
identifier = text(1, 128).filter(str.strip)
contacts = st.builds(
    ContactRef,
    email=optional(st.emails().filter(lambda e: len(e) <= 320)),
    phone=optional(st.text("0123456789", min_size=1, max_size=20)),
    external_id=optional(identifier),
).filter(lambda c: not c.is_empty)


def attributes(names: list[str]) -> st.SearchStrategy[tuple[Attribute, ...]]:
    if not names:
        return st.just(())
    one = st.builds(Attribute, name=st.sampled_from(names), value=optional(text(0, 300)))
    return st.lists(one, max_size=4).map(tuple)


@st.composite
def lines(draw: st.DrawFn, product_attributes: list[str]) -> tuple[OrderLine, ...]:
    skus = draw(st.lists(text(1, 128), min_size=1, max_size=4, unique=True))
    found: list[OrderLine] = []
    for sku in skus:
        common: dict[str, Any] = {
            "sku": sku,
            "name": draw(text(1, 2048)),
            "unit_price": draw(price),
            "url": draw(optional(text(0, 2048))),
            "image_url": draw(optional(text(0, 2048))),
            "category": draw(optional(text(0, 2048))),
            "attributes": draw(attributes(product_attributes)),
        }
        if draw(st.booleans()):
            found.append(
                OrderLine(
                    type=OrderLineType.RETURN,
                    quantity=draw(st.integers(1, INT32_MAX)),
                    **common,
                )
            )
            continue
        quantity = draw(st.integers(0, INT32_MAX))
        # A product bought 0 times and returned is how ECDP spells a return line.
        returned = st.just(0) if quantity == 0 else st.integers(0, INT32_MAX)
        found.append(
            OrderLine(quantity=quantity, returned_quantity=draw(optional(returned)), **common)
        )
    return tuple(found)


@st.composite
def orders(draw: st.DrawFn, catalogue: dict[str, list[str]]) -> Order:
    # A fresh prefix keeps examples from colliding; the whole id still reaches 128 characters.
    prefix = uuid.uuid4().hex[:8] + "-"
    suffix = draw(text(0, 128 - len(prefix)).filter(lambda s: "/" not in s))
    return Order(
        order_id=prefix + suffix,
        created_at=draw(created),
        contact=draw(contacts),
        lines=draw(lines(catalogue["product"])),
        status=draw(
            optional(st.sampled_from([s for s in OrderStatus if s.value != "IN_PROGRESS"]))
        ),
        time_zone=draw(st.sampled_from(sorted(TIME_ZONES))),
        website_id=draw(optional(st.integers(-(2**31), INT32_MAX))),
        currency=draw(optional(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3))),
        total=draw(money),
        returns_value=draw(optional(money)),
        attributes=draw(attributes(catalogue["order"])),
    )


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as loop_runner:
        yield loop_runner


@pytest.fixture(scope="module")
def live(sandbox: Sandbox, runner: asyncio.Runner) -> Iterator[ExpertSenderBackend]:
    backend = ExpertSenderBackend(settings_for(sandbox.url))
    yield backend
    runner.run(backend.aclose())


@pytest.fixture(scope="module")
def catalogue(sandbox: Sandbox) -> dict[str, list[str]]:
    def free_text(path: str) -> list[str]:
        definitions = sandbox.vendor_get(path)["data"]
        assert not any(d.get("required") for d in definitions), "round trip assumes none"
        return [d["name"] for d in definitions if str(d["type"]).lower() in FREE_TEXT_TYPES]

    return {"order": free_text("/orderattributes"), "product": free_text("/productattributes")}


@settings(
    max_examples=int(os.environ.get("ROUND_TRIP_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_valid_order_reads_back_equal(
    data: st.DataObject,
    live: ExpertSenderBackend,
    runner: asyncio.Runner,
    catalogue: dict[str, list[str]],
) -> None:
    order = data.draw(orders(catalogue))

    async def write_and_read() -> tuple[list[str], Order | None]:
        job = await live.write_order(order, WriteMode.ADD)
        (stored,) = await live.get_orders([order.order_id])
        return [w.code for w in job.warnings], stored

    warnings, stored = runner.run(write_and_read())
    assert warnings == [FIELD_NOT_SUPPORTED] * sum(
        line.type is OrderLineType.RETURN for line in order.lines
    )
    assert stored is not None
    assert stored.contact_id is not None and stored.contact_id.isdigit()
    assert stored.contact.contact_id == stored.contact_id
    assert stored.type is order_type(order.lines)
    expected_status = None if order.status is None else statuses.to_vendor(order.status).value
    assert stored.vendor_status == expected_status
    assert stored.created_at.tzinfo is UTC
    held = replace(
        stored,
        contact=replace(stored.contact, contact_id=None),
        contact_id=None,
        vendor_status=None,
        type=None,
    )
    assert held == order
