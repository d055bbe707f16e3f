"""Domain orders for the Engage adapter tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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
    Payment,
    Tax,
)

ANNA_EMAIL = "anna.berg@example.com"
ANNA_ID = "6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e01"
MANY_EMAIL = "many.orders@example.com"
MANY_ID = "6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e05"
HOUSEHOLD_PHONE = "+46705550100"  # shared by two demo contacts
STOCKHOLM = timezone(timedelta(hours=1))


def full_order(order_id: str, **changes: object) -> Order:
    """An order using every field Engage holds (and none it cannot)."""
    values: dict[str, object] = {
        "order_id": order_id,
        "created_at": datetime(2025, 3, 1, 10, 30, 15, tzinfo=STOCKHOLM),
        "contact": ContactRef(email=ANNA_EMAIL),
        "lines": (
            OrderLine(
                sku="SKU-TSHIRT-M",
                quantity=2,
                line_id="1",
                name="Organic T-shirt, M",
                unit_price=179.0,
                total_price=358.0,
                url="https://shop.example/t-shirt",
                image_url="https://shop.example/t-shirt.png",
                discounts=(Discount(amount=40.0, type="Campaign", description="Spring"),),
                taxes=(Tax(amount=71.6, percent=25.0, description="VAT"),),
            ),
            OrderLine(
                sku="SKU-CAP",
                quantity=1,
                type=OrderLineType.RETURN,
                line_id="2",
                name="Cotton cap",
                unit_price=249.0,
                total_price=249.0,
            ),
        ),
        "status": OrderStatus.PAID,
        "currency": "SEK",
        "total": 358.0,
        "payments": (Payment(amount=358.0, method="Card", reference="PSP-1"),),
        "discounts": (Discount(amount=40.0, type="Campaign"),),
        "fees": (
            Fee(
                amount=49.0,
                type="Shipping",
                description="Home",
                taxes=(Tax(amount=9.8, percent=25.0),),
            ),
        ),
        "delivery": Delivery(
            method="Home",
            tracking_number="TRK-1",
            tracking_uri="https://track.example/TRK-1",
            delivery_date=datetime(2025, 3, 3, 12, 0, tzinfo=STOCKHOLM),
        ),
        "billing_address": Address(
            first_name="Anna",
            last_name="Berg",
            street="Storgatan 1",
            zip_code="11122",
            city="Stockholm",
            country_code="SE",
            email=ANNA_EMAIL,
            phone="+46701234501",
        ),
        "shipping_address": Address(first_name="Anna", last_name="Berg", city="Stockholm"),
        "references": ("ENG-1001",),
        "store_id": "WEB-SE",
        "channel": "Ecom",
    }
    values.update(changes)
    return Order(**values)  # type: ignore[arg-type]


def unsupported_fields(order: Order) -> Order:
    """``order`` plus one of each field Engage has no place for."""
    from dataclasses import replace

    first = replace(
        order.lines[0],
        category="Tops",
        attributes=(Attribute("colour", "green"),),
        returned_quantity=1,
    )
    return replace(
        order,
        time_zone="W. Europe Standard Time",
        website_id=7,
        returns_value=10.0,
        taxes=(Tax(amount=1.0),),
        attributes=(Attribute("gift", "yes"),),
        lines=(first, *order.lines[1:]),
    )
