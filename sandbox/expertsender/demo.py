"""Demo data the emulator starts with, so there is something to query at once.

``DEMO`` lists the ids and emails worth quoting (the README does). Everything is generated
deterministically, so the same ids hold on every start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sandbox.expertsender import inferred
from sandbox.expertsender.models import (
    Attribute,
    Customer,
    CustomerIdentifiers,
    OrderInput,
    Product,
)
from sandbox.expertsender.store import Store


@dataclass(frozen=True, slots=True)
class _Article:
    id: str
    name: str
    price: float
    category: str
    color: str

    def product(self, quantity: int, returned: int | None = None) -> Product:
        return Product(
            id=self.id,
            name=self.name,
            price=self.price,
            quantity=quantity,
            returned=returned,
            url=f"https://shop.example.com/products/{self.id}",
            image_url=f"https://shop.example.com/images/{self.id}.jpg",
            category=self.category,
            attributes=(Attribute("Color", self.color), Attribute("Warranty", "2 Years")),
        )


ARTICLES: Final = (
    _Article("SKU-1001", "Wireless Earbuds", 75.0, "Electronics | Audio", "Black"),
    _Article("SKU-1002", "Running Shoes", 119.9, "Sport | Footwear", "Blue"),
    _Article("SKU-1003", "Rain Jacket", 89.5, "Clothing | Outerwear", "Yellow"),
    _Article("SKU-1004", "Coffee Grinder", 49.0, "Home | Kitchen", "Silver"),
    _Article("SKU-1005", "Yoga Mat", 29.95, "Sport | Fitness", "Green"),
    _Article("SKU-1006", "Desk Lamp", 39.0, "Home | Lighting", "White"),
)

CUSTOMERS: Final = (
    Customer(1001, "jonas.lind@example.com", "46701234501", "CRM-1001", "Jonas", "Lind"),
    Customer(1002, "maria.nilsson@example.com", "46701234502", "CRM-1002", "Maria", "Nilsson"),
    Customer(1003, "erik.svensson@example.com", "46701234503", "CRM-1003", "Erik", "Svensson"),
    Customer(1004, "sara.holm@example.com", "46701234504", None, "Sara", "Holm"),
    Customer(1005, "many.orders@example.com", "46701234505", "CRM-1005", "Many", "Orders"),
)
MANY_ORDERS_COUNT: Final = 60
_STATUSES: Final = inferred.STATUSES


def _order(
    order_id: str,
    customer: Customer,
    day: int,
    lines: tuple[Product, ...],
    status: str | None,
    shipping: str = "Standard",
) -> OrderInput:
    total = round(sum(p.price * p.quantity for p in lines), 2)
    returns = round(sum(p.price * (p.returned or 0) for p in lines), 2)
    month, mday = divmod(day % 336, 28)
    return OrderInput(
        id=order_id,
        date=f"2024-{month + 1:02d}-{mday + 1:02d}T{9 + day % 10:02d}:15:00Z",
        customer=CustomerIdentifiers(customer.email, customer.phone, customer.crm_id),
        total_value=total,
        products=lines,
        time_zone="W. Europe Standard Time",
        website_id=1,
        status=status,
        currency="SEK",
        returns_value=returns,
        attributes=(Attribute("Shipping Method", shipping), Attribute("Gift Wrap", "No")),
    )


def _named_orders() -> tuple[dict[str, OrderInput], dict[str, list[str]]]:
    a = ARTICLES
    jonas, maria, erik, sara, _ = CUSTOMERS
    purchase = [
        _order("ES-1001", jonas, 3, (a[0].product(1), a[1].product(1)), "completed", "Express"),
        _order("ES-1002", jonas, 17, (a[3].product(2),), "paid"),
        _order("ES-1003", maria, 24, (a[2].product(1),), "placed"),
        _order("ES-1004", maria, 41, (a[4].product(3), a[5].product(1)), "completed"),
        _order("ES-1005", erik, 55, (a[5].product(2),), "canceled"),
        _order("ES-1006", erik, 63, (a[0].product(1),), None),
        _order("ES-1007", sara, 77, (a[1].product(1), a[2].product(1)), "completed"),
        _order("ES-1008", sara, 90, (a[3].product(1),), "paid"),
    ]
    returns = [
        _order("ES-2001", jonas, 30, (a[1].product(1, returned=1),), "completed"),
        _order("ES-2002", maria, 60, (a[4].product(2, returned=2),), "completed"),
        _order("ES-2003", erik, 95, (a[0].product(1, returned=1),), "completed"),
    ]
    mixed = [
        _order("ES-3001", jonas, 45, (a[2].product(2, returned=1), a[5].product(1)), "completed"),
        _order("ES-3002", sara, 101, (a[0].product(1, returned=1), a[3].product(1)), "completed"),
        _order("ES-3003", maria, 120, (a[1].product(3, returned=2),), "completed"),
    ]
    deleted = [_order("ES-9001", erik, 130, (a[4].product(1),), "placed")]
    groups = {"purchase": purchase, "return": returns, "mixed": mixed, "deleted": deleted}
    by_id = {o.id: o for group in groups.values() for o in group}
    return by_id, {name: [o.id for o in group] for name, group in groups.items()}


def _many_orders() -> list[OrderInput]:
    customer = CUSTOMERS[4]
    orders: list[OrderInput] = []
    for n in range(1, MANY_ORDERS_COUNT + 1):
        article = ARTICLES[n % len(ARTICLES)]
        # Every seventh is a return and every eleventh mixed, so paging sees all kinds.
        if n % 7 == 0:
            lines: tuple[Product, ...] = (article.product(1, returned=1),)
        elif n % 11 == 0:
            other = ARTICLES[(n + 1) % len(ARTICLES)]
            lines = (article.product(2, returned=1), other.product(1))
        else:
            lines = (article.product(1 + n % 3),)
        orders.append(_order(f"ES-M{n:03d}", customer, n * 5, lines, _STATUSES[n % 4]))
    return orders


_NAMED, _GROUPS = _named_orders()
_MANY = _many_orders()

DEMO: Final[dict[str, Any]] = {
    "api_key": inferred.DEFAULT_API_KEY,
    "customers": [
        {"id": c.id, "email": c.email, "phone": c.phone, "crmId": c.crm_id} for c in CUSTOMERS
    ],
    "orders": _GROUPS,
    "many_orders": {
        "customer_id": CUSTOMERS[4].id,
        "email": CUSTOMERS[4].email,
        "order_ids": [o.id for o in _MANY],
    },
    "order_attributes": [d.name for d in inferred.ORDER_ATTRIBUTES],
    "product_attributes": [d.name for d in inferred.PRODUCT_ATTRIBUTES],
}


def seed(store: Store) -> None:
    """Load the demo customers and orders into an empty store."""
    for customer in CUSTOMERS:
        store.add_customer(
            Customer(
                customer.id,
                customer.email,
                customer.phone,
                customer.crm_id,
                customer.first_name,
                customer.last_name,
            )
        )
    store.put_orders([*_NAMED.values(), *_MANY])
    for order_id in _GROUPS["deleted"]:
        store.delete(order_id)
