"""Domain ``Order`` ⇄ one ECDP order object (an element of ``POST /orders`` ``data[]``, or the
``data`` of ``GET /orders/{id}``), every field both ways.

ECDP holds: ``id``, ``date``, ``timeZone``, ``websiteId``, ``status``, ``currency``,
``totalValue``, ``returnsValue``, ``customer{email, phone, crmId}``, ``products[]`` and
``orderAttributes[]``. Anything else the domain order carries is reported as a
``FIELD_NOT_SUPPORTED`` warning naming its path, never dropped silently.

Return lines: ECDP has no return line, only a ``returned`` count on a product. A ``RETURN`` line
is folded into the first ``PURCHASE`` line with the same SKU (its quantity added to that
product's ``returned``); without one, it becomes a product bought zero times and returned
``quantity`` times. Reading back, a product with ``quantity`` 0 and ``returned`` > 0 is a
``RETURN`` line, and any other product a ``PURCHASE`` line. A folded return line's own name,
price and links are not kept, and its warning says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from adapters.errors import BadVendorResponse
from adapters.expertsender import statuses
from adapters.expertsender.inferred import DATE_SUFFIX, DELETED_FLAGS, DELETED_STATUS
from adapters.expertsender.paths import FieldPath, field
from adapters.model import (
    Attribute,
    Contact,
    ContactRef,
    JobMessage,
    Order,
    OrderLine,
    OrderLineType,
    OrderType,
    Vendor,
)

FIELD_NOT_SUPPORTED = "FIELD_NOT_SUPPORTED"

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class EncodedOrder:
    """One order as ECDP JSON, what could not be carried, and which order line each product
    came from (so vendor error paths can be translated back)."""

    payload: Json
    warnings: tuple[JobMessage, ...]
    line_of_product: tuple[int, ...]


# Domain → ECDP


def format_date(value: datetime) -> str:
    """UTC with a ``Z``; a naive datetime is taken to be UTC already."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if utc.microsecond % 1000 == 0:
        text = text[:-3]
    return text + DATE_SUFFIX


def order_to_vendor(order: Order) -> EncodedOrder:
    """The ECDP order object for ``order``; its ``contact`` must already carry the identifiers
    ECDP matches on (email, phone, external id); a bare ``contact_id`` cannot be sent."""
    warnings: list[JobMessage] = []
    payload: Json = {"id": order.order_id, "date": format_date(order.created_at)}
    _put(payload, "timeZone", order.time_zone)
    _put(payload, "websiteId", order.website_id)
    if order.status is not None:
        vendor_status = statuses.to_vendor(order.status)
        payload["status"] = vendor_status.value
        if vendor_status.warning is not None:
            warnings.append(vendor_status.warning)
    _put(payload, "currency", order.currency)
    _put(payload, "totalValue", order.total)
    _put(payload, "returnsValue", order.returns_value)
    payload["customer"] = customer_to_vendor(order.contact)
    if order.contact.contact_id is not None:
        warnings.append(
            _unsupported(
                field("contact", "contactId"),
                "ExpertSender orders name their customer by email, phone or CRM id only",
            )
        )
    products, line_of_product = _products(order.lines, warnings)
    payload["products"] = products
    if order.attributes:
        payload["orderAttributes"] = [_attribute(a) for a in order.attributes]
    warnings.extend(_order_losses(order))
    return EncodedOrder(payload, tuple(warnings), tuple(line_of_product))


def customer_to_vendor(contact: ContactRef) -> Json:
    customer: Json = {}
    _put(customer, "email", contact.email)
    _put(customer, "phone", contact.phone)
    _put(customer, "crmId", contact.external_id)
    return customer


def _products(
    lines: Sequence[OrderLine], warnings: list[JobMessage]
) -> tuple[list[Json], list[int]]:
    first_purchase: dict[str, int] = {}
    for index, line in enumerate(lines):
        if line.type is OrderLineType.PURCHASE:
            first_purchase.setdefault(line.sku, index)
    products: list[Json] = []
    line_of_product: list[int] = []
    product_of_line: dict[int, int] = {}
    return_product: dict[str, int] = {}
    folded: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        warnings.extend(_line_losses(index, line))
        if line.type is OrderLineType.RETURN:
            target = first_purchase.get(line.sku)
            if target is not None:
                folded.append((index, target))
                continue
            if line.sku in return_product:
                folded.append((index, line_of_product[return_product[line.sku]]))
                continue
            return_product[line.sku] = len(products)
            warnings.append(
                _unsupported(
                    field("lines", index, "type"),
                    "ExpertSender has no return lines; stored as a product bought 0 times and"
                    f" returned {line.quantity} times",
                )
            )
        product_of_line[index] = len(products)
        line_of_product.append(index)
        products.append(_product(line))
    for index, target in folded:
        product = products[product_of_line[target]]
        product["returned"] = int(product.get("returned") or 0) + lines[index].quantity
        warnings.append(
            _unsupported(
                field("lines", index, "type"),
                "ExpertSender has no return lines; the quantity is added to the returned count"
                f" of line {target} (same SKU); this line's other fields are not kept",
            )
        )
    return products, line_of_product


def _product(line: OrderLine) -> Json:
    returned = line.returned_quantity
    if line.type is OrderLineType.RETURN:
        quantity, returned = 0, line.quantity
    else:
        quantity = line.quantity
    product: Json = {"id": line.sku}
    _put(product, "name", line.name)
    _put(product, "price", line.unit_price)
    product["quantity"] = quantity
    _put(product, "returned", returned)
    _put(product, "url", line.url)
    _put(product, "imageUrl", line.image_url)
    _put(product, "category", line.category)
    if line.attributes:
        product["productAttributes"] = [_attribute(a) for a in line.attributes]
    return product


def _attribute(attribute: Attribute) -> Json:
    return {"name": attribute.name, "value": attribute.value}


def _line_losses(index: int, line: OrderLine) -> list[JobMessage]:
    losses: list[tuple[str, bool]] = [
        ("lineId", line.line_id is not None),
        ("totalPrice", line.total_price is not None),
        ("discounts", bool(line.discounts)),
        ("taxes", bool(line.taxes)),
        ("description", line.description is not None),
        ("externalStatus", line.external_status is not None),
        ("originalUnitPrice", line.original_unit_price is not None),
        ("originalTotalPrice", line.original_total_price is not None),
        ("returnDetails", line.return_details is not None),
        (
            "returnedQuantity",
            line.type is OrderLineType.RETURN and line.returned_quantity is not None,
        ),
    ]
    return [
        _unsupported(field("lines", index, name), f"ExpertSender products have no place for {name}")
        for name, lost in losses
        if lost
    ]


def _order_losses(order: Order) -> list[JobMessage]:
    losses: list[tuple[str, bool]] = [
        ("externalStatus", order.external_status is not None),
        ("payments", bool(order.payments)),
        ("discounts", bool(order.discounts)),
        ("fees", bool(order.fees)),
        ("taxes", bool(order.taxes)),
        ("delivery", order.delivery is not None),
        ("billingAddress", order.billing_address is not None),
        ("shippingAddress", order.shipping_address is not None),
        ("references", bool(order.references)),
        ("storeId", order.store_id is not None),
        ("channel", order.channel is not None),
        ("lastChangedAt", order.last_changed_at is not None),
        ("contactType", order.contact_type is not None),
    ]
    return [
        _unsupported(field(name), f"ExpertSender orders have no place for {name}")
        for name, lost in losses
        if lost
    ]


def _unsupported(path: FieldPath, message: str) -> JobMessage:
    return JobMessage(FIELD_NOT_SUPPORTED, message, path)


def _put(target: Json, key: str, value: object) -> None:
    if value is not None:
        target[key] = value


# ECDP → domain


def parse_date(value: object, key: str = "date") -> datetime:
    if not isinstance(value, str):
        raise _bad(key, "a date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(key, "an ISO 8601 date-time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def order_from_vendor(data: object) -> Order:
    """The domain order for ECDP's order JSON; ``BadVendorResponse`` if it is not one."""
    obj = _object(data, "order")
    customer = _object(obj.get("customer") or {}, "customer")
    customer_id = _opt_id(customer, "id")
    raw_status = _opt_str(obj, "status")
    lines = tuple(_line(p) for p in _list(obj, "products"))
    return Order(
        order_id=_str(obj, "id"),
        created_at=parse_date(obj.get("date")),
        contact=ContactRef(
            contact_id=customer_id,
            email=_opt_str(customer, "email"),
            phone=_opt_str(customer, "phone"),
            external_id=_opt_str(customer, "crmId"),
        ),
        lines=lines,
        status=statuses.from_vendor(raw_status),
        vendor_status=raw_status,
        time_zone=_opt_str(obj, "timeZone"),
        website_id=_opt_int(obj, "websiteId"),
        currency=_opt_str(obj, "currency"),
        total=_opt_float(obj, "totalValue"),
        returns_value=_opt_float(obj, "returnsValue"),
        attributes=tuple(_attribute_from(a) for a in _list(obj, "orderAttributes")),
        type=order_type(lines),
        is_deleted=is_deleted(obj, raw_status),
        contact_id=customer_id,
    )


def is_deleted(obj: Mapping[str, Any], raw_status: str | None) -> bool:
    """Seed: a delete is "changing order status to 'deleted' (IsDeleted)": either says so."""
    if raw_status is not None and raw_status.strip().casefold() == DELETED_STATUS:
        return True
    return any(obj.get(key) is True for key in DELETED_FLAGS)


def order_type(lines: Sequence[OrderLine]) -> OrderType:
    """RETURN if every line is a return, MIXED if some goods went back, else PURCHASE."""
    returns = [line.type is OrderLineType.RETURN or bool(line.returned_quantity) for line in lines]
    if returns and all(line.type is OrderLineType.RETURN for line in lines):
        return OrderType.RETURN
    return OrderType.MIXED if any(returns) else OrderType.PURCHASE


def contact_from_vendor(data: object) -> Contact:
    obj = _object(data, "customer")
    contact_id = _opt_id(obj, "id")
    if contact_id is None:
        raise _bad("id", "a customer id")
    return Contact(
        vendor=Vendor.EXPERTSENDER,
        contact_id=contact_id,
        email=_opt_str(obj, "email"),
        phone=_opt_str(obj, "phone"),
        external_id=_opt_str(obj, "crmId"),
        first_name=_opt_str(obj, "firstName"),
        last_name=_opt_str(obj, "lastName"),
    )


def _line(data: object) -> OrderLine:
    obj = _object(data, "product")
    quantity = _opt_int(obj, "quantity") or 0
    returned = _opt_int(obj, "returned")
    attributes = tuple(_attribute_from(a) for a in _list(obj, "productAttributes"))
    common: dict[str, Any] = {
        "sku": _str(obj, "id"),
        "name": _opt_str(obj, "name"),
        "unit_price": _opt_float(obj, "price"),
        "url": _opt_str(obj, "url"),
        "image_url": _opt_str(obj, "imageUrl"),
        "category": _opt_str(obj, "category"),
        "attributes": attributes,
    }
    if quantity == 0 and returned:
        return OrderLine(quantity=returned, type=OrderLineType.RETURN, **common)
    return OrderLine(quantity=quantity, returned_quantity=returned, **common)


def _attribute_from(data: object) -> Attribute:
    obj = _object(data, "attribute")
    return Attribute(name=_str(obj, "name"), value=_opt_str(obj, "value"))


def _object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _bad(what, "an object")
    return value


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad(key, "a list")
    return value


def _str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise _bad(key, "a string")
    return value


def _opt_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(key, "a string")
    return value


def _opt_int(obj: Mapping[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(key, "an integer")
    return value


def _opt_float(obj: Mapping[str, Any], key: str) -> float | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(key, "a number")
    return float(value)


def _opt_id(obj: Mapping[str, Any], key: str) -> str | None:
    """Customer ids are numbers on the wire (seed: ``"id": 0``); the domain keeps them as text."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(key, "an id")
    return str(value)


def _bad(key: str, expected: str) -> BadVendorResponse:
    return BadVendorResponse(
        f"ExpertSender answered with an unreadable order: '{key}' is not {expected}",
        vendor=Vendor.EXPERTSENDER,
    )


def holds_write(stored: Order, sent: Order) -> bool:
    """Whether ``stored`` (read back) carries everything ``sent`` (both read from ECDP JSON)
    wrote. The vendor adds the customer id, may know more identifiers of that customer and
    keeps a deleted flag; none of that tells whether the write landed."""
    if replace(stored, contact=sent.contact, contact_id=None, is_deleted=False) != sent:
        return False
    pairs = (
        (sent.contact.email, stored.contact.email),
        (sent.contact.phone, stored.contact.phone),
        (sent.contact.external_id, stored.contact.external_id),
    )
    return all(mine is None or _same_identifier(mine, theirs) for mine, theirs in pairs)


def _same_identifier(mine: str, theirs: str | None) -> bool:
    return theirs is not None and mine.casefold() == theirs.casefold()
