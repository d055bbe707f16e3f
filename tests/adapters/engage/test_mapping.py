"""Domain ⇄ Engage JSON, every field, both ways."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from adapters.engage import mapping
from adapters.errors import BadVendorResponse, ValidationFailed
from adapters.model import (
    ContactRef,
    OrderAction,
    OrderActionType,
    OrderStatus,
    OrderType,
    Vendor,
)
from tests.adapters.engage.samples import full_order, unsupported_fields


def test_order_to_vendor_writes_every_field_engage_holds() -> None:
    body, warnings = mapping.order_to_vendor(
        full_order("A-1"),
        OrderAction(OrderActionType.CONFIRM_ORDER, language="sv-SE", data={"x": [1]}),
    )
    assert warnings == ()
    assert body == {
        "orderId": "A-1",
        "contact": {"matchKey": "anna.berg@example.com", "matchKeyType": "Email"},
        "externalStoreId": "WEB-SE",
        "status": "InProgress",
        "externalStatus": "Paid",
        "references": ["ENG-1001"],
        "currencyCode": "SEK",
        "channel": "Ecom",
        "createdAt": "2025-03-01T10:30:15+01:00",
        "lineItems": {
            "items": [
                {
                    "id": "1",
                    "type": "Purchase",
                    "quantity": 2,
                    "article": {
                        "sku": "SKU-TSHIRT-M",
                        "name": "Organic T-shirt, M",
                        "imageUri": "https://shop.example/t-shirt.png",
                        "targetUri": "https://shop.example/t-shirt",
                    },
                    "pricePerUnit": 179.0,
                    "totalPrice": 358.0,
                    "discounts": [{"type": "Campaign", "description": "Spring", "amount": 40.0}],
                    "taxes": [{"amount": 71.6, "percent": 25.0, "description": "VAT"}],
                },
                {
                    "id": "2",
                    "type": "Return",
                    "quantity": 1,
                    "article": {"sku": "SKU-CAP", "name": "Cotton cap"},
                    "pricePerUnit": 249.0,
                    "totalPrice": 249.0,
                },
            ],
            "subTotal": 607.0,
        },
        "totalPrice": 358.0,
        "payments": {
            "items": [{"type": "Card", "amount": 358.0, "reference": "PSP-1"}],
            "totalPaid": 358.0,
        },
        "fees": {
            "items": [
                {
                    "type": "Shipping",
                    "description": "Home",
                    "amount": 49.0,
                    "taxes": [{"amount": 9.8, "percent": 25.0}],
                }
            ],
            "total": 49.0,
        },
        "discounts": {"items": [{"type": "Campaign", "amount": 40.0}], "total": 40.0},
        "delivery": {
            "method": "Home",
            "trackingNumber": "TRK-1",
            "trackingUri": "https://track.example/TRK-1",
            "deliveryDate": "2025-03-03T12:00:00+01:00",
        },
        "billingAddress": {
            "firstname": "Anna",
            "lastname": "Berg",
            "street": "Storgatan 1",
            "zipCode": "11122",
            "city": "Stockholm",
            "countryCode": "SE",
            "email": "anna.berg@example.com",
            "mobilePhone": "+46701234501",
        },
        "shippingAddress": {"firstname": "Anna", "lastname": "Berg", "city": "Stockholm"},
        "orderAction": {"action": "ConfirmOrder", "language": "sv-SE", "data": {"x": [1]}},
    }


def test_every_field_engage_cannot_hold_is_a_named_warning() -> None:
    _, warnings = mapping.order_to_vendor(unsupported_fields(full_order("A-2")))
    assert {w.field for w in warnings} == {
        ("timeZone",),
        ("websiteId",),
        ("returnsValue",),
        ("taxes",),
        ("attributes",),
        ("lines", "0", "category"),
        ("lines", "0", "attributes"),
        ("lines", "0", "returnedQuantity"),
    }
    assert all(w.code == "FIELD_NOT_SUPPORTED" for w in warnings)
    assert any("lines.0.category" in w.message for w in warnings)


def test_contact_sends_one_key_and_warns_about_the_rest() -> None:
    order = full_order(
        "A-3", contact=ContactRef(contact_id="c-1", email="a@example.com", phone="+4670")
    )
    body, warnings = mapping.order_to_vendor(order)
    assert body["contact"] == {"matchKey": "c-1", "matchKeyType": "ContactId"}
    assert [w.field for w in warnings] == [("contact", "email"), ("contact", "phone")]
    for ref, kind in (
        (ContactRef(phone="+4670"), "MobilePhone"),
        (ContactRef(external_id="EXT-1"), "ExternalId"),
    ):
        body, _ = mapping.order_to_vendor(full_order("A-4", contact=ref))
        assert body["contact"]["matchKeyType"] == kind


def test_an_order_without_a_contact_is_refused_before_sending() -> None:
    with pytest.raises(ValidationFailed) as caught:
        mapping.order_to_vendor(full_order("A-5", contact=ContactRef()))
    assert caught.value.field_errors[0].path == ("contact",)
    assert caught.value.vendor is Vendor.ENGAGE


def test_custom_action_sends_its_own_text_and_needs_one() -> None:
    custom = OrderAction(OrderActionType.CUSTOM, custom_action="GiftWrapped")
    assert mapping.embedded_action_to_vendor(custom) == {"action": "GiftWrapped"}
    with pytest.raises(ValidationFailed) as caught:
        mapping.embedded_action_to_vendor(OrderAction(OrderActionType.CUSTOM))
    assert caught.value.field_errors[0].path == ("customAction",)


def test_order_from_vendor_reads_every_field_back() -> None:
    original = full_order("A-6")
    body, _ = mapping.order_to_vendor(original)
    stored = {
        **body,
        "type": "Purchase",
        "versionTag": "AAAAAAAAB9E=",
        "contactId": "6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e01",
        "lastChangedAt": "2025-03-02T08:00:00Z",
    }
    read = mapping.order_from_vendor(stored)
    assert read.version_tag == "AAAAAAAAB9E="
    assert read.contact_id == "6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e01"
    assert read.vendor_status == "InProgress"
    assert read.type is OrderType.MIXED  # Engage says Purchase; the lines say both
    assert read.last_changed_at == datetime.fromisoformat("2025-03-02T08:00:00+00:00")
    assert mapping.held_by_engage(read) == mapping.held_by_engage(original)
    assert read.status is OrderStatus.PAID and read.external_status is None
    assert read.lines == original.lines
    assert read.delivery == original.delivery
    assert read.fees == original.fees


def test_held_by_engage_clears_what_engage_cannot_hold() -> None:
    order = unsupported_fields(full_order("A-7"))
    view = mapping.held_by_engage(order)
    assert view == mapping.held_by_engage(full_order("A-7"))
    assert view.lines[0].category is None and view.time_zone is None


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"orderId": "x"},
        {"orderId": "x", "createdAt": "yesterday", "lineItems": {"items": []}},
        {
            "orderId": "x",
            "createdAt": "2025-01-01T00:00:00Z",
            "lineItems": {"items": [{"quantity": 1}]},
        },
        {"orderId": "x", "createdAt": "2025-01-01T00:00:00Z", "totalPrice": "12"},
        {"orderId": "x", "createdAt": "2025-01-01T00:00:00Z", "lineItems": "many"},
    ],
)
def test_unreadable_vendor_orders_are_bad_vendor_responses(body: object) -> None:
    with pytest.raises(BadVendorResponse):
        mapping.order_from_vendor(body)


def test_contact_from_vendor() -> None:
    contact = mapping.contact_from_vendor(
        {
            "id": "c-1",
            "attributes": {
                "firstName": "Anna",
                "lastName": "Berg",
                "email": "anna.berg@example.com",
                "mobilePhone": "+46701234501",
                "externalId": "EXT-1001",
            },
        }
    )
    assert (contact.contact_id, contact.first_name, contact.phone, contact.external_id) == (
        "c-1",
        "Anna",
        "+46701234501",
        "EXT-1001",
    )
    with pytest.raises(BadVendorResponse):
        mapping.contact_from_vendor({"attributes": {}})


def test_naive_datetimes_are_sent_as_utc() -> None:
    body, _ = mapping.order_to_vendor(
        replace(full_order("A-8"), created_at=datetime(2025, 1, 1, 9))
    )
    assert body["createdAt"] == "2025-01-01T09:00:00+00:00"


def test_addresses_read_back_in_either_spelling() -> None:
    from adapters.engage.mapping import _address_from_vendor

    camel = _address_from_vendor({"firstName": "Anna", "lastName": "Berg"})
    lower = _address_from_vendor({"firstname": "Anna", "lastname": "Berg"})
    assert camel == lower
    assert lower is not None and (lower.first_name, lower.last_name) == ("Anna", "Berg")
