import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from adapters.errors import BadVendorResponse
from adapters.expertsender.mapping import (
    FIELD_NOT_SUPPORTED,
    contact_from_vendor,
    format_date,
    order_from_vendor,
    order_to_vendor,
    parse_date,
)
from adapters.expertsender.statuses import STATUS_NOT_SUPPORTED
from adapters.model import (
    Address,
    Attribute,
    ContactRef,
    Delivery,
    Discount,
    Fee,
    Order,
    OrderLine,
    OrderLineType,
    OrderStatus,
    OrderType,
    Payment,
    Tax,
    Vendor,
)

CREATED = datetime(2024, 11, 6, 10, 10, 0, 55000, tzinfo=UTC)


def full_order(**changes: object) -> Order:
    order = Order(
        order_id="12345",
        created_at=CREATED,
        contact=ContactRef(email="customer@example.com", phone="15551234567", external_id="67890"),
        lines=(
            OrderLine(
                sku="p001",
                quantity=2,
                name="Wireless Earbuds",
                returned_quantity=1,
                unit_price=75.0,
                url="https://example.com/p",
                image_url="https://example.com/p.jpg",
                category="Electronics",
                attributes=(Attribute("Color", "Black"), Attribute("Warranty", None)),
            ),
        ),
        status=OrderStatus.COMPLETED,
        time_zone="Pacific Standard Time",
        website_id=1,
        currency="USD",
        total=150.0,
        returns_value=75.0,
        attributes=(Attribute("Shipping Method", "Express"),),
    )
    return replace(order, **changes)  # type: ignore[arg-type]


def test_every_field_ecdp_holds_is_written() -> None:
    encoded = order_to_vendor(full_order())
    assert encoded.warnings == ()
    assert encoded.payload == {
        "id": "12345",
        "date": "2024-11-06T10:10:00.055Z",
        "timeZone": "Pacific Standard Time",
        "websiteId": 1,
        "status": "completed",
        "currency": "USD",
        "totalValue": 150.0,
        "returnsValue": 75.0,
        "customer": {"email": "customer@example.com", "phone": "15551234567", "crmId": "67890"},
        "products": [
            {
                "id": "p001",
                "name": "Wireless Earbuds",
                "price": 75.0,
                "quantity": 2,
                "returned": 1,
                "url": "https://example.com/p",
                "imageUrl": "https://example.com/p.jpg",
                "category": "Electronics",
                "productAttributes": [
                    {"name": "Color", "value": "Black"},
                    {"name": "Warranty", "value": None},
                ],
            }
        ],
        "orderAttributes": [{"name": "Shipping Method", "value": "Express"}],
    }
    assert encoded.line_of_product == (0,)


def test_written_json_reads_back_as_the_same_order() -> None:
    order = full_order()
    back = order_from_vendor(json.loads(json.dumps(order_to_vendor(order).payload)))
    assert replace(back, vendor_status=None, type=None) == order
    assert back.vendor_status == "completed"
    assert back.type is OrderType.MIXED


def test_absent_optional_fields_are_not_sent() -> None:
    order = Order(
        order_id="o",
        created_at=CREATED,
        contact=ContactRef(email="a@b.c"),
        lines=(OrderLine(sku="s", quantity=1),),
    )
    payload = order_to_vendor(order).payload
    assert payload == {
        "id": "o",
        "date": "2024-11-06T10:10:00.055Z",
        "customer": {"email": "a@b.c"},
        "products": [{"id": "s", "quantity": 1}],
    }


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05.000Z"),
        (datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), "2024-01-02T03:04:05.123456Z"),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05.000Z"),
        (
            datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
            "2024-01-02T03:04:05.000Z",
        ),
    ],
)
def test_dates_are_sent_in_utc_with_z(value: datetime, wire: str) -> None:
    assert format_date(value) == wire
    assert parse_date(wire) == value.replace(tzinfo=value.tzinfo or UTC)


def test_seven_fractional_digits_are_read() -> None:
    assert parse_date("2024-07-25T10:08:59.1970000Z") == datetime(
        2024, 7, 25, 10, 8, 59, 197000, tzinfo=UTC
    )


def test_in_progress_is_written_as_placed_with_a_warning() -> None:
    encoded = order_to_vendor(full_order(status=OrderStatus.IN_PROGRESS))
    assert encoded.payload["status"] == "placed"
    assert [(w.code, w.field) for w in encoded.warnings] == [(STATUS_NOT_SUPPORTED, ("status",))]


def test_every_field_ecdp_cannot_hold_is_named_in_a_warning() -> None:
    order = full_order(
        external_status="Packed",
        payments=(Payment(10.0),),
        discounts=(Discount(1.0),),
        fees=(Fee(2.0),),
        taxes=(Tax(3.0),),
        delivery=Delivery(method="post"),
        billing_address=Address(city="Oslo"),
        shipping_address=Address(city="Oslo"),
        references=("r1",),
        store_id="s1",
        channel="web",
        contact=ContactRef(contact_id="7", email="a@b.c"),
        lines=(
            OrderLine(
                sku="p",
                quantity=1,
                line_id="L1",
                total_price=9.0,
                discounts=(Discount(1.0),),
                taxes=(Tax(1.0),),
            ),
        ),
    )
    encoded = order_to_vendor(order)
    assert all(w.code == FIELD_NOT_SUPPORTED for w in encoded.warnings)
    assert {w.field for w in encoded.warnings} == {
        ("externalStatus",),
        ("payments",),
        ("discounts",),
        ("fees",),
        ("taxes",),
        ("delivery",),
        ("billingAddress",),
        ("shippingAddress",),
        ("references",),
        ("storeId",),
        ("channel",),
        ("contact", "contactId"),
        ("lines", "0", "lineId"),
        ("lines", "0", "totalPrice"),
        ("lines", "0", "discounts"),
        ("lines", "0", "taxes"),
    }


def test_a_return_line_folds_into_the_purchase_line_of_its_sku() -> None:
    order = full_order(
        lines=(
            OrderLine(sku="b", quantity=1, name="B", unit_price=1.0),
            OrderLine(sku="a", quantity=3, type=OrderLineType.RETURN, name="A"),
            OrderLine(sku="a", quantity=5, name="A", unit_price=2.0, returned_quantity=1),
        )
    )
    encoded = order_to_vendor(order)
    products = encoded.payload["products"]
    assert [(p["id"], p["quantity"], p.get("returned")) for p in products] == [
        ("b", 1, None),
        ("a", 5, 4),
    ]
    assert encoded.line_of_product == (0, 2)
    assert [(w.code, w.field) for w in encoded.warnings] == [
        (FIELD_NOT_SUPPORTED, ("lines", "1", "type"))
    ]


def test_a_return_line_without_a_purchase_becomes_a_product_bought_zero_times() -> None:
    lines = (
        OrderLine(sku="a", quantity=2, type=OrderLineType.RETURN, name="A", unit_price=4.0),
        OrderLine(sku="a", quantity=1, type=OrderLineType.RETURN, name="A", unit_price=4.0),
    )
    encoded = order_to_vendor(full_order(lines=lines))
    assert encoded.payload["products"] == [
        {"id": "a", "name": "A", "price": 4.0, "quantity": 0, "returned": 3}
    ]
    assert len(encoded.warnings) == 2
    back = order_from_vendor(encoded.payload)
    assert back.lines == (
        OrderLine(sku="a", quantity=3, type=OrderLineType.RETURN, name="A", unit_price=4.0),
    )
    assert back.type is OrderType.RETURN


def test_a_single_return_line_round_trips_exactly() -> None:
    line = OrderLine(sku="r", quantity=2, type=OrderLineType.RETURN, name="R", unit_price=3.5)
    encoded = order_to_vendor(full_order(lines=(line,)))
    assert order_from_vendor(encoded.payload).lines == (line,)


def test_order_type_is_derived_from_the_products() -> None:
    bought = {"id": "a", "name": "A", "price": 1, "quantity": 1}
    returned = {"id": "b", "name": "B", "price": 1, "quantity": 0, "returned": 1}
    base = {"id": "o", "date": "2024-01-01T00:00:00Z", "customer": {"email": "x@y.z"}}
    assert order_from_vendor({**base, "products": [bought]}).type is OrderType.PURCHASE
    assert order_from_vendor({**base, "products": [returned]}).type is OrderType.RETURN
    assert order_from_vendor({**base, "products": [bought, returned]}).type is OrderType.MIXED


SEED_GET = {
    "id": "string",
    "date": "2024-07-25T10:08:59.197Z",
    "timeZone": "string",
    "websiteId": 0,
    "status": "string",
    "currency": "str",
    "totalValue": 0,
    "returnsValue": 0,
    "customer": {"id": 0, "email": "string", "phone": "string", "crmId": "string"},
    "products": [
        {
            "id": "string",
            "name": "string",
            "price": 0,
            "quantity": 2147483647,
            "returned": 2147483647,
            "url": "string",
            "imageUrl": "string",
            "category": "string",
            "productAttributes": [{"name": "string", "value": "string"}],
        }
    ],
    "orderAttributes": [{"name": "string", "value": "string"}],
}


def test_the_vendors_own_get_sample_is_read() -> None:
    order = order_from_vendor(SEED_GET)
    assert order.contact == ContactRef(
        contact_id="0", email="string", phone="string", external_id="string"
    )
    assert order.contact_id == "0"
    assert order.status is None
    assert order.vendor_status == "string"
    assert order.total == 0.0
    assert order.lines[0].quantity == 2147483647
    assert order.is_deleted is False
    assert order_from_vendor({**SEED_GET, "isDeleted": True}).is_deleted is True


@pytest.mark.parametrize(
    "broken",
    [
        None,
        [],
        {**SEED_GET, "id": 5},
        {**SEED_GET, "date": "yesterday"},
        {**SEED_GET, "date": None},
        {**SEED_GET, "products": {}},
        {**SEED_GET, "products": [{"id": "x", "quantity": "2"}]},
        {**SEED_GET, "products": [{"id": "x", "quantity": True}]},
        {**SEED_GET, "totalValue": "9"},
        {**SEED_GET, "customer": "x@y.z"},
        {**SEED_GET, "orderAttributes": [{"value": "v"}]},
    ],
)
def test_unreadable_vendor_orders_raise_bad_vendor_response(broken: object) -> None:
    with pytest.raises(BadVendorResponse) as caught:
        order_from_vendor(broken)
    assert caught.value.vendor is Vendor.EXPERTSENDER


def test_contact_from_vendor() -> None:
    contact = contact_from_vendor(
        {
            "id": 17,
            "email": "e@x.y",
            "phone": "4670",
            "crmId": "c1",
            "firstName": "Jonas",
            "lastName": "Lind",
        }
    )
    assert (contact.contact_id, contact.external_id, contact.first_name) == ("17", "c1", "Jonas")
    with pytest.raises(BadVendorResponse):
        contact_from_vendor({"email": "no-id@x.y"})
