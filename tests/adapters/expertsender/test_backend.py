"""``ExpertSenderBackend`` against the ExpertSender emulator over real HTTP on loopback."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters import errors
from adapters.backend import Backend
from adapters.expertsender import (
    ACTION_DISCARDED,
    CONTACT_NOT_RESOLVED,
    FIELD_NOT_SUPPORTED,
    STATUS_NOT_SUPPORTED,
    ExpertSenderBackend,
)
from adapters.model import (
    Attribute,
    ContactRef,
    JobOperation,
    JobState,
    OrderAction,
    OrderActionType,
    OrderLine,
    OrderLineType,
    OrderStatus,
    OrderType,
    Payment,
    Vendor,
    WriteMode,
)
from sandbox.expertsender.demo import DEMO
from tests.adapters.expertsender.conftest import Sandbox, new_id, settings_for, simple_order

JONAS = DEMO["customers"][0]
CONFIRM = OrderAction(OrderActionType.CONFIRM_ORDER)


async def test_is_a_backend_with_the_vendors_capabilities(backend: ExpertSenderBackend) -> None:
    assert isinstance(backend, Backend)
    assert backend.vendor is Vendor.EXPERTSENDER
    assert backend.capabilities.names() == []


# Writes, every mode


async def test_add_creates_a_finished_job_and_the_order_reads_back(
    backend: ExpertSenderBackend,
) -> None:
    order = simple_order(status=OrderStatus.PAID, currency="SEK", returns_value=0.0)
    job = await backend.write_order(order, WriteMode.ADD)
    assert job.vendor is Vendor.EXPERTSENDER
    assert job.job_id.startswith("j1.")
    assert (job.operation, job.state, job.order_id) == (
        JobOperation.CREATE,
        JobState.COMPLETED,
        order.order_id,
    )
    assert job.warnings == () and job.errors == ()
    assert job.finished_at == job.created_at == job.updated_at
    assert await backend.get_job(job.job_id) == job

    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None
    assert stored.contact_id == str(JONAS["id"])
    assert stored.contact.email == JONAS["email"]
    assert stored.status is OrderStatus.PAID and stored.vendor_status == "paid"
    assert replace(
        stored, contact=order.contact, contact_id=None, vendor_status=None, type=None
    ) == (order)


async def test_add_of_an_existing_id_is_already_exists(backend: ExpertSenderBackend) -> None:
    order = simple_order()
    await backend.write_order(order, WriteMode.ADD)
    with pytest.raises(errors.AlreadyExists) as caught:
        await backend.write_order(order, WriteMode.ADD)
    assert caught.value.upstream_status == 400
    assert order.order_id in caught.value.vendor_messages[0]


async def test_replace_of_a_missing_id_is_order_not_found(backend: ExpertSenderBackend) -> None:
    with pytest.raises(errors.OrderNotFound) as caught:
        await backend.write_order(simple_order(), WriteMode.REPLACE)
    assert caught.value.upstream_status == 404


async def test_replace_changes_every_field(backend: ExpertSenderBackend) -> None:
    order = simple_order()
    await backend.write_order(order, WriteMode.ADD)
    changed = replace(
        order,
        total=10.5,
        currency="EUR",
        status=OrderStatus.COMPLETED,
        lines=(OrderLine(sku="SKU-1004", quantity=1, name="Coffee Grinder", unit_price=10.5),),
        attributes=(Attribute("Gift Wrap", "Yes"),),
    )
    job = await backend.write_order(changed, WriteMode.REPLACE)
    assert job.operation is JobOperation.REPLACE
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None
    assert (stored.total, stored.currency, stored.status) == (10.5, "EUR", OrderStatus.COMPLETED)
    assert stored.lines == changed.lines
    assert stored.attributes == changed.attributes


async def test_add_or_replace_creates_then_replaces(backend: ExpertSenderBackend) -> None:
    order = simple_order()
    await backend.write_order(order, WriteMode.ADD_OR_REPLACE)
    await backend.write_order(replace(order, total=1.0), WriteMode.ADD_OR_REPLACE)
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None and stored.total == 1.0


# Status and delete


@pytest.mark.parametrize("status", [s for s in OrderStatus if s is not OrderStatus.IN_PROGRESS])
async def test_status_round_trips_both_ways(
    backend: ExpertSenderBackend, status: OrderStatus
) -> None:
    written = simple_order(status=status)
    await backend.write_order(written, WriteMode.ADD)
    (stored,) = await backend.get_orders([written.order_id])
    assert stored is not None and stored.status is status

    other = simple_order()
    await backend.write_order(other, WriteMode.ADD)
    job = await backend.change_status(other.order_id, status)
    assert (job.operation, job.state, job.warnings) == (
        JobOperation.CHANGE_STATUS,
        JobState.COMPLETED,
        (),
    )
    (changed,) = await backend.get_orders([other.order_id])
    assert changed is not None and changed.status is status


async def test_in_progress_is_stored_as_placed_and_says_so(backend: ExpertSenderBackend) -> None:
    order = simple_order(status=OrderStatus.IN_PROGRESS)
    written = await backend.write_order(order, WriteMode.ADD)
    changed = await backend.change_status(order.order_id, OrderStatus.IN_PROGRESS)
    for job in (written, changed):
        assert [(w.code, w.field) for w in job.warnings] == [(STATUS_NOT_SUPPORTED, ("status",))]
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None
    assert (stored.status, stored.vendor_status) == (OrderStatus.PLACED, "placed")


async def test_change_status_warns_of_what_it_cannot_send(backend: ExpertSenderBackend) -> None:
    order = simple_order()
    await backend.write_order(order, WriteMode.ADD)
    job = await backend.change_status(
        order.order_id, OrderStatus.PAID, external_status="Packed", action=CONFIRM
    )
    assert {(w.code, w.field) for w in job.warnings} == {
        (FIELD_NOT_SUPPORTED, ("externalStatus",)),
        (ACTION_DISCARDED, ("orderAction",)),
    }


async def test_change_status_of_a_missing_order_is_order_not_found(
    backend: ExpertSenderBackend,
) -> None:
    with pytest.raises(errors.OrderNotFound):
        await backend.change_status(new_id(), OrderStatus.PAID)


async def test_delete_is_soft_and_reads_back(backend: ExpertSenderBackend) -> None:
    order = simple_order()
    await backend.write_order(order, WriteMode.ADD)
    job = await backend.delete_order(order.order_id)
    assert (job.operation, job.state) == (JobOperation.DELETE, JobState.COMPLETED)
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None and stored.is_deleted is True
    with pytest.raises(errors.OrderNotFound):
        await backend.delete_order(new_id())


# Reads


async def test_get_orders_keeps_the_order_asked_and_reads_each_id_once(
    backend: ExpertSenderBackend, clean_sandbox: Sandbox
) -> None:
    first, second = simple_order(), simple_order()
    await backend.write_order(first, WriteMode.ADD)
    await backend.write_order(second, WriteMode.ADD)
    missing = new_id()
    clean_sandbox.reset_requests()
    found = await backend.get_orders(
        [second.order_id, missing, first.order_id, second.order_id, ""]
    )
    assert [o.order_id if o else None for o in found] == [
        second.order_id,
        None,
        first.order_id,
        second.order_id,
        None,
    ]
    assert clean_sandbox.count("GET /orders/{orderId}") == 3
    assert await backend.get_orders([]) == []


async def test_ids_with_url_characters_stay_one_path_segment(backend: ExpertSenderBackend) -> None:
    order = simple_order(new_id("A b+c?d#e%f&é"))
    await backend.write_order(order, WriteMode.ADD)
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None and stored.order_id == order.order_id


@pytest.mark.parametrize("order_id", [".", "..", "/", "a/", "/b", "%2F", "a%25b", "..%2F"])
async def test_ids_a_url_would_rewrite_stay_one_path_segment(
    backend: ExpertSenderBackend, order_id: str
) -> None:
    # Dot segments are removed by URL normalisation (the request would name the parent path);
    # an encoded '/' or '%' must reach the vendor as that character.
    assert await backend.get_orders([order_id]) == [None]
    await backend.write_order(simple_order(order_id), WriteMode.ADD)
    (stored,) = await backend.get_orders([order_id])
    assert stored is not None and stored.order_id == order_id


async def test_find_contact_by_each_key(backend: ExpertSenderBackend) -> None:
    by_id = await backend.find_contact(contact_id=str(JONAS["id"]))
    assert by_id is not None
    assert (by_id.email, by_id.phone, by_id.external_id, by_id.first_name) == (
        JONAS["email"],
        JONAS["phone"],
        JONAS["crmId"],
        "Jonas",
    )
    assert await backend.find_contact(email=JONAS["email"]) == by_id
    assert await backend.find_contact(phone=JONAS["phone"]) == by_id
    assert await backend.find_contact(external_id=JONAS["crmId"]) == by_id
    assert await backend.find_contact(email=JONAS["email"], phone=JONAS["phone"]) == by_id


async def test_find_contact_misses_are_none(backend: ExpertSenderBackend) -> None:
    assert await backend.find_contact(email="nobody@example.com") is None
    assert await backend.find_contact(contact_id="999999") is None
    assert await backend.find_contact(contact_id="not-a-number") is None
    # Keys naming two different customers match nobody.
    other = DEMO["customers"][1]
    assert await backend.find_contact(email=JONAS["email"], phone=other["phone"]) is None
    with pytest.raises(errors.ValidationFailed):
        await backend.find_contact()


async def test_get_contacts(backend: ExpertSenderBackend) -> None:
    ids = [str(c["id"]) for c in DEMO["customers"][:2]]
    found = await backend.get_contacts([ids[1], "424242", ids[0]])
    assert [c.contact_id if c else None for c in found] == [ids[1], None, ids[0]]


# Contacts on orders


async def test_a_contact_id_is_sent_as_that_customers_identifiers(
    backend: ExpertSenderBackend,
) -> None:
    order = simple_order(contact=ContactRef(contact_id=str(JONAS["id"])))
    job = await backend.write_order(order, WriteMode.ADD)
    assert job.warnings == ()
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None
    assert stored.contact_id == str(JONAS["id"])
    assert stored.contact.email == JONAS["email"]


async def test_an_unknown_contact_id(backend: ExpertSenderBackend) -> None:
    with pytest.raises(errors.ContactNotFound):
        await backend.write_order(
            simple_order(contact=ContactRef(contact_id="987654")), WriteMode.ADD
        )
    order = simple_order(contact=ContactRef(contact_id="987654", email=JONAS["email"]))
    job = await backend.write_order(order, WriteMode.ADD)
    assert [(w.code, w.field) for w in job.warnings] == [
        (CONTACT_NOT_RESOLVED, ("contact", "contactId"))
    ]


async def test_a_contact_id_and_an_email_of_different_customers_is_refused(
    backend: ExpertSenderBackend,
) -> None:
    other = DEMO["customers"][1]
    order = simple_order(contact=ContactRef(contact_id=str(JONAS["id"]), email=other["email"]))
    with pytest.raises(errors.ValidationFailed) as caught:
        await backend.write_order(order, WriteMode.ADD)
    assert caught.value.field_errors[0].path == ("contact", "email")


# What ECDP cannot hold


async def test_unsupported_fields_and_actions_warn_and_the_write_lands(
    backend: ExpertSenderBackend,
) -> None:
    order = simple_order(payments=(Payment(150.0, method="card"),), channel="web")
    job = await backend.write_order(order, WriteMode.ADD, action=CONFIRM)
    assert {(w.code, w.field) for w in job.warnings} == {
        (FIELD_NOT_SUPPORTED, ("payments",)),
        (FIELD_NOT_SUPPORTED, ("channel",)),
        (ACTION_DISCARDED, ("orderAction",)),
    }
    assert (await backend.get_orders([order.order_id]))[0] is not None


async def test_return_lines_are_stored_as_returned_counts(backend: ExpertSenderBackend) -> None:
    bought = OrderLine(sku="SKU-1002", quantity=3, name="Running Shoes", unit_price=119.9)
    returned = OrderLine(
        sku="SKU-1002", quantity=1, type=OrderLineType.RETURN, name="Running Shoes"
    )
    only_returned = OrderLine(
        sku="SKU-1003", quantity=2, type=OrderLineType.RETURN, name="Rain Jacket", unit_price=89.5
    )
    order = simple_order(lines=(bought, returned, only_returned), returns_value=298.9)
    job = await backend.write_order(order, WriteMode.ADD)
    assert {w.field for w in job.warnings} == {("lines", "1", "type"), ("lines", "2", "type")}
    (stored,) = await backend.get_orders([order.order_id])
    assert stored is not None
    assert stored.lines == (replace(bought, returned_quantity=1), only_returned)
    assert stored.type is OrderType.MIXED


async def test_unsupported_operations(backend: ExpertSenderBackend) -> None:
    with pytest.raises(errors.UnsupportedByVendor):
        await backend.trigger_action(new_id(), CONFIRM)
    with pytest.raises(errors.UnsupportedByVendor):
        await backend.list_contact_orders(str(JONAS["id"]))
    with pytest.raises(errors.JobNotFound):
        await backend.get_job("0" * 32)


# Vendor errors


async def test_validation_failure_names_the_fields(backend: ExpertSenderBackend) -> None:
    order = simple_order(
        lines=(
            OrderLine(sku="SKU-1001", quantity=1, name="ok", unit_price=1.0),
            OrderLine(sku="SKU-1002", quantity=1, name="x" * 2049, unit_price=1.0),
        ),
        attributes=(Attribute("No Such Attribute", "x"),),
        currency="EURO",
    )
    with pytest.raises(errors.ValidationFailed) as caught:
        await backend.write_order(order, WriteMode.ADD)
    error = caught.value
    assert error.upstream_status == 400
    assert {f.path for f in error.field_errors} == {
        ("lines", "1", "name"),
        ("attributes", "0", "name"),
        ("currency",),
    }
    assert len(error.vendor_messages) == 3
    assert all(m.startswith("data[0].") for m in error.vendor_messages)
    assert (await backend.get_orders([order.order_id]))[0] is None


async def test_field_paths_follow_folded_return_lines(backend: ExpertSenderBackend) -> None:
    order = simple_order(
        lines=(
            OrderLine(sku="SKU-1001", quantity=1, name="ok", unit_price=1.0),
            OrderLine(sku="SKU-1001", quantity=1, type=OrderLineType.RETURN),
            OrderLine(sku="SKU-1002", quantity=1, name="x" * 2049, unit_price=1.0),
        )
    )
    with pytest.raises(errors.ValidationFailed) as caught:
        await backend.write_order(order, WriteMode.ADD)
    assert [f.path for f in caught.value.field_errors] == [("lines", "2", "name")]


async def test_a_wrong_api_key_is_unauthorized(clean_sandbox: Sandbox) -> None:
    wrong = ExpertSenderBackend(replace(settings_for(clean_sandbox.url), api_key="wrong"))
    try:
        with pytest.raises(errors.Unauthorized) as caught:
            await wrong.get_orders([new_id()])
        assert caught.value.upstream_status == 401
        assert "wrong" not in caught.value.message
    finally:
        await wrong.aclose()
