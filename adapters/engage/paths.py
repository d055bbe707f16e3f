"""Engage's error field paths (``lineItems.items[0].article.sku``) → the gateway's field names
(``lines.0.sku``), so a client is told which of *its* fields is wrong."""

from __future__ import annotations

import re

# vendor key → (gateway key, or None where the vendor nests a level the gateway does not have;
# the node for what lies below)
Node = dict[str, tuple[str | None, "Node | None"]]

_TAX: Node = {
    "amount": ("amount", None),
    "percent": ("percent", None),
    "description": ("description", None),
}
_MONEY: Node = {
    "type": ("type", None),
    "description": ("description", None),
    "amount": ("amount", None),
    "taxes": ("taxes", _TAX),
}
_PAYMENT: Node = {
    "type": ("method", None),
    "amount": ("amount", None),
    "reference": ("reference", None),
}
_ARTICLE: Node = {
    "sku": ("sku", None),
    "name": ("name", None),
    "imageUri": ("imageUrl", None),
    "targetUri": ("url", None),
}
_LINE: Node = {
    "id": ("lineId", None),
    "type": ("type", None),
    "quantity": ("quantity", None),
    "article": (None, _ARTICLE),
    "pricePerUnit": ("unitPrice", None),
    "totalPrice": ("totalPrice", None),
    "discounts": ("discounts", _MONEY),
    "taxes": ("taxes", _TAX),
}
_ADDRESS: Node = {
    key: (key, None)
    for key in (
        "title",
        "company",
        "street",
        "zipCode",
        "city",
        "countryCode",
        "email",
    )
}
_ADDRESS["mobilePhone"] = ("phone", None)
_ADDRESS["firstname"] = ("firstName", None)
_ADDRESS["lastname"] = ("lastName", None)
_DELIVERY: Node = {
    key: (key, None) for key in ("method", "trackingNumber", "trackingUri", "deliveryDate")
}
_ORDER: Node = {
    "orderId": ("orderId", None),
    "contact": ("contact", {}),
    "externalStoreId": ("storeId", None),
    "status": ("status", None),
    "externalStatus": ("externalStatus", None),
    "references": ("references", None),
    "currencyCode": ("currency", None),
    "channel": ("channel", None),
    "createdAt": ("createdAt", None),
    "totalPrice": ("total", None),
    "lineItems": (None, {"items": ("lines", _LINE), "subTotal": ("lines", {})}),
    "payments": (None, {"items": ("payments", _PAYMENT), "totalPaid": ("payments", {})}),
    "fees": (None, {"items": ("fees", _MONEY), "total": ("fees", {})}),
    "discounts": (None, {"items": ("discounts", _MONEY), "total": ("discounts", {})}),
    "delivery": ("delivery", _DELIVERY),
    "billingAddress": ("billingAddress", _ADDRESS),
    "shippingAddress": ("shippingAddress", _ADDRESS),
    "orderAction": ("orderAction", {}),
}

_TOKEN = re.compile(r"[^.\[\]]+")


def to_domain(vendor_path: str | None) -> tuple[str, ...] | None:
    """The gateway path of a vendor field path; unknown parts are kept as the vendor wrote
    them. ``None`` for a path that names the whole body."""
    if not vendor_path:
        return None
    tokens = _TOKEN.findall(vendor_path)
    if tokens == ["body"]:
        return None
    out: list[str] = []
    node: Node | None = _ORDER
    for position, token in enumerate(tokens):
        if token.isdigit():
            out.append(token)
            continue
        if node is None or token not in node:
            out.extend(tokens[position:])
            break
        name, node = node[token]
        if name is not None:
            out.append(name)
        if node == {}:
            # Below this the gateway has no finer field (contact keys, totals we compute).
            break
    return tuple(out) or None
