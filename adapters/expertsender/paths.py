"""Field paths: where a problem sits in the gateway's order, whichever side found it.

Paths are relative to the order and use the gateway's input names (``("lines", "0", "sku")``),
so the gateway only prefixes its own input path. ``vendor_to_domain`` translates a path into
the ECDP request body (``data[0].products[1].name``) back to those names.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters.expertsender.inferred import PATH_SEGMENT

FieldPath = tuple[str, ...]

_ORDER_FIELDS: dict[str, str] = {
    "id": "orderId",
    "date": "createdAt",
    "timezone": "timeZone",
    "websiteid": "websiteId",
    "status": "status",
    "currency": "currency",
    "totalvalue": "total",
    "returnsvalue": "returnsValue",
    "customer": "contact",
    "products": "lines",
    "orderattributes": "attributes",
    # PUT /orders/status
    "orderid": "orderId",
    "orderstatus": "status",
}
_CUSTOMER_FIELDS: dict[str, str] = {"email": "email", "phone": "phone", "crmid": "externalId"}
_PRODUCT_FIELDS: dict[str, str] = {
    "id": "sku",
    "name": "name",
    "price": "unitPrice",
    "quantity": "quantity",
    "returned": "returnedQuantity",
    "url": "url",
    "imageurl": "imageUrl",
    "category": "category",
    "productattributes": "attributes",
}
_ATTRIBUTE_FIELDS: dict[str, str] = {"name": "name", "value": "value"}


def field(*segments: str | int) -> FieldPath:
    return tuple(str(segment) for segment in segments)


def split_vendor_path(path: str) -> list[str | int]:
    """``data[0].products[1].name`` → ``["data", 0, "products", 1, "name"]``."""
    return [
        int(index) if index else name for name, index in PATH_SEGMENT.findall(path) if name or index
    ]


def vendor_to_domain(path: str, line_of_product: Sequence[int] = ()) -> FieldPath | None:
    """The gateway path for a path into the ECDP request body, or ``None`` when it names
    something the gateway has no input for. ``line_of_product[i]`` is the order line that
    product ``i`` was built from (return lines may be folded into another line's product)."""
    segments = split_vendor_path(path)
    if segments and isinstance(segments[0], str) and segments[0].lower() == "data":
        segments = segments[1:]
        if segments and isinstance(segments[0], int):
            segments = segments[1:]
    if not segments:
        return None
    return _translate(segments, line_of_product)


def _translate(segments: list[str | int], line_of_product: Sequence[int]) -> FieldPath | None:
    head, rest = segments[0], segments[1:]
    if not isinstance(head, str):
        return None
    name = _ORDER_FIELDS.get(head.lower())
    if name is None:
        return None
    if name == "contact":
        return _nested(name, rest, _CUSTOMER_FIELDS)
    if name == "attributes":
        return _listed(name, rest, _ATTRIBUTE_FIELDS)
    if name == "lines":
        if not rest or not isinstance(rest[0], int):
            return (name,)
        product = rest[0]
        line = line_of_product[product] if product < len(line_of_product) else product
        inner = _nested_product(rest[1:])
        return None if inner is None else (name, str(line), *inner)
    return (name,) if not rest else None


def _nested(name: str, rest: list[str | int], fields: dict[str, str]) -> FieldPath | None:
    if not rest:
        return (name,)
    head = rest[0]
    if isinstance(head, str) and head.lower() in fields and len(rest) == 1:
        return (name, fields[head.lower()])
    return None


def _listed(name: str, rest: list[str | int], fields: dict[str, str]) -> FieldPath | None:
    if not rest:
        return (name,)
    if not isinstance(rest[0], int):
        return None
    inner = _nested(name, rest[1:], fields)
    return None if inner is None else (name, str(rest[0]), *inner[1:])


def _nested_product(rest: list[str | int]) -> FieldPath | None:
    if not rest:
        return ()
    head = rest[0]
    if not isinstance(head, str):
        return None
    name = _PRODUCT_FIELDS.get(head.lower())
    if name is None:
        return None
    if name == "attributes":
        return _listed(name, rest[1:], _ATTRIBUTE_FIELDS)
    return (name,) if len(rest) == 1 else None
