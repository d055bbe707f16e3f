"""Demo data the Engage emulator starts with: contacts, articles, stores and processed orders.

`DEMO_INDEX` lists the ids and emails worth quoting (the README does), so a newcomer has
something to query at once. Everything is deterministic: the same ids on every start.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Final

from sandbox.engage.store import Contact, EngageState, StoredOrder

STOCKHOLM = timezone(timedelta(hours=1))

CONTACTS: Final = (
    Contact(
        contact_id="6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e01",
        first_name="Anna",
        last_name="Berg",
        email="anna.berg@example.com",
        mobile_phone="+46701234501",
        external_id="EXT-1001",
        social_security_number="198501011234",
        member_number="M-1001",
        card_id="C-1001",
    ),
    Contact(
        contact_id="6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e02",
        first_name="Johan",
        last_name="Svensson",
        email="johan.svensson@example.com",
        mobile_phone="+46701234502",
        external_id="EXT-1002",
        social_security_number="197912241234",
        member_number="M-1002",
    ),
    # Erik and Sara share a household phone, so a look-up by that phone is ambiguous (409).
    Contact(
        contact_id="6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e03",
        first_name="Erik",
        last_name="Holm",
        email="erik.holm@example.com",
        mobile_phone="+46705550100",
        external_id="EXT-1003",
    ),
    Contact(
        contact_id="6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e04",
        first_name="Sara",
        last_name="Holm",
        email="sara.holm@example.com",
        mobile_phone="+46705550100",
        external_id="EXT-1004",
    ),
    Contact(
        contact_id="6f1c2b8e-3d4a-4c5b-9e7f-1a2b3c4d5e05",
        first_name="Many",
        last_name="Orders",
        email="many.orders@example.com",
        mobile_phone="+46701234599",
        external_id="EXT-9999",
    ),
)

ARTICLES: Final = {
    "SKU-TSHIRT-M": ("Organic T-shirt, M", 199.0),
    "SKU-TSHIRT-L": ("Organic T-shirt, L", 199.0),
    "SKU-JEANS-32": ("Slim jeans 32/32", 799.0),
    "SKU-SNEAKER-42": ("Canvas sneaker 42", 649.0),
    "SKU-SOCKS-3P": ("Socks, 3-pack", 99.0),
    "SKU-JACKET-M": ("Rain jacket, M", 1299.0),
    "SKU-CAP": ("Cotton cap", 249.0),
    "SKU-BAG": ("Tote bag", 149.0),
}
STORES: Final = ("STORE-STHLM-01", "STORE-GBG-01", "WEB-SE")

# (orderId, owner email or None, line kinds "P"/"R", status, days after 2025-01-06)
_NAMED_ORDERS: Final = (
    ("ENG-1001", "anna.berg@example.com", "PP", "Completed", 0),
    ("ENG-1002", "anna.berg@example.com", "P", "InProgress", 3),
    ("ENG-1003", "anna.berg@example.com", "R", "Completed", 5),
    ("ENG-1004", "anna.berg@example.com", "PR", "Completed", 8),
    ("ENG-1005", "anna.berg@example.com", "PPP", "Cancelled", 11),
    ("ENG-1006", "anna.berg@example.com", "P", "InProgress", 14),
    ("ENG-2001", "johan.svensson@example.com", "P", "Completed", 2),
    ("ENG-2002", "johan.svensson@example.com", "RR", "Completed", 6),
    ("ENG-2003", "johan.svensson@example.com", "PRP", "InProgress", 9),
    ("ENG-2004", "johan.svensson@example.com", "P", "InProgress", 12),
    ("ENG-3001", "erik.holm@example.com", "PP", "Completed", 4),
    ("ENG-3002", "erik.holm@example.com", "R", "Completed", 7),
    ("ENG-3003", "erik.holm@example.com", "PR", "InProgress", 10),
    # Sent with an email no contact has: stored without a contact (an action on it gets 422).
    ("ENG-9001", None, "P", "InProgress", 13),
)
# Returns name the order they return goods from.
RETURN_OF: Final = {"ENG-1003": "ENG-1001", "ENG-2002": "ENG-2001", "ENG-3002": "ENG-3001"}
MANY_ORDERS_COUNT: Final = 60
MANY_ORDERS_EMAIL: Final = "many.orders@example.com"
UNKNOWN_EMAIL: Final = "nobody@example.com"


def _kind(lines: str) -> str:
    if "P" in lines and "R" in lines:
        return "mixed"
    return "purchase" if "P" in lines else "return"


def _many_orders() -> tuple[tuple[str, str | None, str, str, int], ...]:
    patterns = ("P", "PP", "PR", "R", "PPP")
    statuses = ("Completed", "InProgress", "Completed", "Cancelled")
    return tuple(
        (f"ENG-M{n:03d}", MANY_ORDERS_EMAIL, patterns[n % 5], statuses[n % 4], n)
        for n in range(1, MANY_ORDERS_COUNT + 1)
    )


ALL_ORDERS: Final = _NAMED_ORDERS + _many_orders()

DEMO_INDEX: Final[dict[str, Any]] = {
    "api_key": "sandbox-engage-key",
    "contacts": [
        {
            "contactId": c.contact_id,
            "email": c.email,
            "mobilePhone": c.mobile_phone,
            "externalId": c.external_id,
            "name": f"{c.first_name} {c.last_name}",
            "orders": sum(1 for o in ALL_ORDERS if o[1] == c.email),
        }
        for c in CONTACTS
    ],
    "orders": {
        kind: [o[0] for o in _NAMED_ORDERS if o[1] and _kind(o[2]) == kind]
        for kind in ("purchase", "return", "mixed")
    },
    "order_without_contact": "ENG-9001",
    "many_orders_contact": {"email": MANY_ORDERS_EMAIL, "orders": MANY_ORDERS_COUNT},
    "ambiguous_phone": "+46705550100",
    "articles": sorted(ARTICLES),
    "stores": list(STORES),
}


def _line(index: int, sku: str, kind: str, quantity: int) -> dict[str, Any]:
    name, price = ARTICLES[sku]
    line: dict[str, Any] = {
        "id": str(index + 1),
        "type": "Purchase" if kind == "P" else "Return",
        "quantity": quantity,
        "article": {"sku": sku, "name": name, "targetUri": f"https://shop.example.com/p/{sku}"},
        "pricePerUnit": price,
        "originalPricePerUnit": price,
        "totalPrice": price * quantity,
        "originalTotalPrice": price * quantity,
        "taxes": [
            {"amount": round(price * quantity * 0.2, 2), "percent": 25, "description": "VAT"}
        ],
    }
    if kind == "R":
        line["returnDetails"] = {"type": "Normal", "reason": "Did not fit"}
    return line


def order_body(
    order_id: str, email: str | None, lines: str, status: str, day: int
) -> dict[str, Any]:
    skus = sorted(ARTICLES)
    seed = sum(ord(ch) for ch in order_id)
    items = [
        _line(i, skus[(seed + i * 3) % len(skus)], kind, 1 + (seed + i) % 2)
        for i, kind in enumerate(lines)
    ]
    purchases = sum(i["totalPrice"] for i in items if i["type"] == "Purchase")
    returns = sum(i["totalPrice"] for i in items if i["type"] == "Return")
    created = datetime(2025, 1, 6, 10, 30, tzinfo=STOCKHOLM) + timedelta(
        days=day, minutes=seed % 60
    )
    shipping = 49.0 if "P" in lines else 0.0
    total = purchases - returns + shipping
    body: dict[str, Any] = {
        "orderId": order_id,
        "contact": {"matchKey": email or UNKNOWN_EMAIL, "matchKeyType": "Email"},
        "externalStoreId": STORES[seed % len(STORES)],
        "status": status,
        "externalStatus": {"Completed": "Delivered", "InProgress": "Picked"}.get(status, "Voided"),
        "references": [RETURN_OF[order_id]] if order_id in RETURN_OF else [],
        "currencyCode": "SEK",
        "channel": "Ecom" if seed % 3 else "Store",
        "createdAt": created.isoformat(),
        "lastChangedAt": (created + timedelta(hours=2)).isoformat(),
        "lineItems": {"items": items, "subTotal": purchases + returns},
        "payments": {
            "items": [{"type": "Card", "amount": total, "reference": f"PAY-{order_id}"}],
            "totalPaid": total,
        },
        "fees": {
            "items": [{"type": "Shipping", "description": "Home delivery", "amount": shipping}],
            "total": shipping,
        },
        "discounts": {"items": [], "total": 0},
        "totalPrice": total,
        "delivery": {
            "method": "Home delivery",
            "trackingNumber": f"TRK{seed:06d}",
            "trackingUri": f"https://track.example.com/TRK{seed:06d}",
            "deliveryDate": (created + timedelta(days=3)).date().isoformat(),
        },
        "billingAddress": {
            "firstname": "Demo",
            "lastname": "Customer",
            "street": "Drottninggatan 1",
            "zipCode": "11151",
            "city": "Stockholm",
            "countryCode": "SE",
            "email": email or UNKNOWN_EMAIL,
        },
    }
    return body


def seed(state: EngageState) -> None:
    for contact in CONTACTS:
        state.add_contact(contact)
    state.articles.update(ARTICLES)
    state.stores.update(STORES)
    by_email = {c.email: c for c in CONTACTS}
    for order_id, email, lines, status, day in ALL_ORDERS:
        owner = by_email.get(email) if email else None
        state.orders[order_id] = StoredOrder(
            body=order_body(order_id, email, lines, status, day),
            contact_id=owner.contact_id if owner else None,
            version_tag=state.next_version_tag(),
        )
