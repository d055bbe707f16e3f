"""The domain model ⇄ Engage v3 JSON, both ways, every field.

Writing: a field Engage has no place for is never dropped silently; it becomes a
``FIELD_NOT_SUPPORTED`` warning naming the field (gateway names, e.g. ``lines.0.category``).
Reading: a body the adapter cannot read raises ``BadVendorResponse``; every documented field
(§3.1, §3.3) has a place in the domain order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.engage import inferred, statuses
from adapters.errors import BadVendorResponse, FieldError, ValidationFailed
from adapters.model import (
    Address,
    Contact,
    ContactRef,
    Delivery,
    Discount,
    Fee,
    JobMessage,
    Order,
    OrderAction,
    OrderActionType,
    OrderLine,
    OrderLineType,
    OrderType,
    Payment,
    ReturnDetails,
    Tax,
    Vendor,
)

Json = dict[str, Any]

_ADDRESS_KEYS = (
    ("title", "title"),
    # §3.1 [C]: the vendor's example spells "firstname"; "lastname" is inferred from it.
    ("first_name", "firstname"),
    ("last_name", "lastname"),
    ("company", "company"),
    ("street", "street"),
    ("zip_code", "zipCode"),
    ("city", "city"),
    ("country_code", "countryCode"),
    ("email", "email"),
    ("phone", "mobilePhone"),
)
# Read back the camel-case spelling too, in case the real API answers with it.
_ADDRESS_READ_ALIASES = {"firstname": "firstName", "lastname": "lastName"}


def _unsupported(path: tuple[str, ...], what: str = "") -> JobMessage:
    dotted = ".".join(path)
    return JobMessage(
        "FIELD_NOT_SUPPORTED",
        f"Engage has no place for {dotted}{what}; it was not sent",
        path,
    )


def _compact(values: Mapping[str, Any]) -> Json:
    return {key: value for key, value in values.items() if value is not None}


def format_datetime(value: datetime) -> str:
    """ISO 8601 with an offset, as Engage wants (§1); a naive value is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


# --- domain → Engage -------------------------------------------------------------------------


def order_to_vendor(
    order: Order, action: OrderAction | None = None
) -> tuple[Json, tuple[JobMessage, ...]]:
    """The create/replace body for ``order`` and the warnings for what Engage cannot hold."""
    warnings: list[JobMessage] = []
    status = statuses.to_vendor(order.status, order.external_status)
    warnings.extend(status.warnings)
    lines = [_line_to_vendor(index, line, warnings) for index, line in enumerate(order.lines)]
    body: Json = {
        "orderId": order.order_id,
        "contact": _compact(
            {**_contact_to_vendor(order.contact, warnings), "contactType": order.contact_type}
        ),
        "externalStoreId": order.store_id,
        "status": status.status,
        "externalStatus": status.external_status,
        "references": list(order.references) or None,
        "currencyCode": order.currency,
        "channel": order.channel,
        "createdAt": format_datetime(order.created_at),
        "lastChangedAt": (
            None if order.last_changed_at is None else format_datetime(order.last_changed_at)
        ),
        "lineItems": {
            "items": lines,
            "subTotal": _sum(line.get("totalPrice") for line in lines),
        },
        inferred.ORDER_TOTAL_KEY: order.total,
    }
    if order.payments:
        body["payments"] = {
            "items": [
                _compact({"type": p.method, "amount": p.amount, "reference": p.reference})
                for p in order.payments
            ],
            inferred.PAYMENTS_TOTAL_KEY: _sum(p.amount for p in order.payments),
        }
    if order.fees:
        body["fees"] = {
            "items": [_fee_to_vendor(fee) for fee in order.fees],
            inferred.FEES_TOTAL_KEY: _sum(fee.amount for fee in order.fees),
        }
    if order.discounts:
        body["discounts"] = {
            "items": [_discount_to_vendor(d) for d in order.discounts],
            inferred.DISCOUNTS_TOTAL_KEY: _sum(d.amount for d in order.discounts),
        }
    if order.delivery is not None:
        body["delivery"] = delivery_to_vendor(order.delivery)
    if order.billing_address is not None:
        body["billingAddress"] = _address_to_vendor(order.billing_address)
    if order.shipping_address is not None:
        body["shippingAddress"] = _address_to_vendor(order.shipping_address)
    if action is not None:
        body["orderAction"] = embedded_action_to_vendor(action)
    for present, path in (
        (order.time_zone is not None, ("timeZone",)),
        (order.website_id is not None, ("websiteId",)),
        (order.returns_value is not None, ("returnsValue",)),
        (bool(order.taxes), ("taxes",)),
        (bool(order.attributes), ("attributes",)),
    ):
        if present:
            warnings.append(_unsupported(path))
    return _compact(body), tuple(warnings)


def _sum(amounts: Iterable[float | None]) -> float:
    return round(sum(a for a in amounts if a is not None), 6)


def _contact_to_vendor(contact: ContactRef, warnings: list[JobMessage]) -> Json:
    keys = [(name, getattr(contact, name), kind) for name, kind in inferred.MATCH_KEY_TYPES]
    given = [(name, value, kind) for name, value, kind in keys if value]
    if not given:
        raise ValidationFailed(
            "An order needs a contact: give a contactId, email, phone or externalId",
            field_errors=(FieldError(("contact",), "no contact key given", "Required"),),
            vendor=Vendor.ENGAGE,
        )
    (_, match_key, match_key_type), *ignored = given
    for name, _, _ in ignored:
        camel = {"contact_id": "contactId", "external_id": "externalId"}.get(name, name)
        warnings.append(
            _unsupported(("contact", camel), f" (Engage matches on one key, {match_key_type})")
        )
    return {"matchKey": match_key, "matchKeyType": match_key_type}


def _line_to_vendor(index: int, line: OrderLine, warnings: list[JobMessage]) -> Json:
    for present, name in (
        (line.category is not None, "category"),
        (bool(line.attributes), "attributes"),
        (line.returned_quantity is not None, "returnedQuantity"),
    ):
        if present:
            warnings.append(_unsupported(("lines", str(index), name)))
    return _compact(
        {
            "id": line.line_id,
            "type": inferred.LINE_TYPES[line.type],
            "quantity": line.quantity,
            "externalStatus": line.external_status,
            "article": _compact(
                {
                    "sku": line.sku,
                    "name": line.name,
                    "description": line.description,
                    "imageUri": line.image_url,
                    "targetUri": line.url,
                }
            ),
            "returnDetails": (
                None
                if line.return_details is None
                else _compact(
                    {"type": line.return_details.type, "reason": line.return_details.reason}
                )
            ),
            "pricePerUnit": line.unit_price,
            "originalPricePerUnit": line.original_unit_price,
            "totalPrice": line.total_price,
            "originalTotalPrice": line.original_total_price,
            "discounts": [_discount_to_vendor(d) for d in line.discounts] or None,
            "taxes": [_tax_to_vendor(t) for t in line.taxes] or None,
        }
    )


def _tax_to_vendor(tax: Tax) -> Json:
    return _compact({"amount": tax.amount, "percent": tax.percent, "description": tax.description})


def _discount_to_vendor(discount: Discount) -> Json:
    return _compact(
        {"type": discount.type, "description": discount.description, "amount": discount.amount}
    )


def _fee_to_vendor(fee: Fee) -> Json:
    return _compact(
        {
            "type": fee.type,
            "description": fee.description,
            "amount": fee.amount,
            "taxes": [_tax_to_vendor(t) for t in fee.taxes] or None,
        }
    )


def delivery_to_vendor(delivery: Delivery) -> Json:
    return _compact(
        {
            "method": delivery.method,
            "trackingNumber": delivery.tracking_number,
            "trackingUri": delivery.tracking_uri,
            "deliveryDate": (
                None if delivery.delivery_date is None else format_datetime(delivery.delivery_date)
            ),
        }
    )


def _address_to_vendor(address: Address) -> Json:
    return _compact({vendor: getattr(address, name) for name, vendor in _ADDRESS_KEYS})


def action_name(action: OrderAction) -> str:
    """§4: the vendor's action text; a CUSTOM action is named by the client."""
    if action.action is OrderActionType.CUSTOM:
        if not action.custom_action or not action.custom_action.strip():
            raise ValidationFailed(
                "A CUSTOM action needs customAction, the action's own name",
                field_errors=(FieldError(("customAction",), "required for CUSTOM", "Required"),),
                vendor=Vendor.ENGAGE,
            )
        return action.custom_action
    return inferred.ACTION_NAMES[action.action]


def embedded_action_to_vendor(action: OrderAction) -> Json:
    """§3.4: ``{action, language?, data?}``, applied by Engage once the write is processed."""
    return _compact(
        {"action": action_name(action), "language": action.language, "data": action.data}
    )


# --- Engage → domain -------------------------------------------------------------------------


def order_from_vendor(body: object) -> Order:
    if not isinstance(body, dict):
        raise BadVendorResponse(
            "Engage sent an order that is not a JSON object", vendor=Vendor.ENGAGE
        )
    try:
        return _order_from_vendor(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadVendorResponse(
            f"Engage sent an order the adapter cannot read ({type(exc).__name__}: {exc})",
            vendor=Vendor.ENGAGE,
        ) from None


def _order_from_vendor(body: Json) -> Order:
    vendor_status = _opt_str(body.get("status"))
    status, external_status = statuses.from_vendor(
        vendor_status, _opt_str(body.get("externalStatus"))
    )
    lines = tuple(_line_from_vendor(item) for item in _items(body.get("lineItems")))
    return Order(
        order_id=str(body["orderId"]),
        created_at=parse_datetime(body["createdAt"]),
        contact=_contact_from_vendor(body.get("contact")),
        lines=lines,
        status=status,
        external_status=external_status,
        currency=_opt_str(body.get("currencyCode")),
        total=_opt_float(body.get(inferred.ORDER_TOTAL_KEY)),
        payments=tuple(
            Payment(
                amount=float(p["amount"]),
                method=_opt_str(p.get("type")),
                reference=_opt_str(p.get("reference")),
            )
            for p in _items(body.get("payments"))
        ),
        discounts=tuple(_discount_from_vendor(d) for d in _items(body.get("discounts"))),
        fees=tuple(
            Fee(
                amount=float(f["amount"]),
                type=_opt_str(f.get("type")),
                description=_opt_str(f.get("description")),
                taxes=tuple(_tax_from_vendor(t) for t in f.get("taxes") or ()),
            )
            for f in _items(body.get("fees"))
        ),
        delivery=_delivery_from_vendor(body.get("delivery")),
        billing_address=_address_from_vendor(body.get("billingAddress")),
        shipping_address=_address_from_vendor(body.get("shippingAddress")),
        references=tuple(str(r) for r in body.get("references") or ()),
        store_id=_opt_str(body.get("externalStoreId")),
        channel=_opt_str(body.get("channel")),
        contact_type=_contact_type(body.get("contact")),
        vendor_status=vendor_status,
        type=_order_type(_opt_str(body.get("type")), lines),
        last_changed_at=(
            None if body.get("lastChangedAt") is None else parse_datetime(body["lastChangedAt"])
        ),
        version_tag=_opt_str(body.get("versionTag")),
        contact_id=_opt_str(body.get("contactId")),
    )


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    return datetime.fromisoformat(value)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _items(block: object) -> list[Json]:
    if block is None:
        return []
    if not isinstance(block, dict):
        raise TypeError("expected an object with items")
    items = block.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TypeError("expected items to be a list of objects")
    return items


def _contact_type(block: object) -> str | None:
    return _opt_str(block.get("contactType")) if isinstance(block, dict) else None


def _contact_from_vendor(block: object) -> ContactRef:
    if not isinstance(block, dict):
        return ContactRef()
    kind = str(block.get("matchKeyType") or "").casefold()
    key = _opt_str(block.get("matchKey"))
    for name, vendor_kind in inferred.MATCH_KEY_TYPES:
        if vendor_kind.casefold() == kind:
            return ContactRef(**{name: key})
    return ContactRef()


def _line_from_vendor(item: Json) -> OrderLine:
    article = item.get("article") or {}
    kind = str(item.get("type") or inferred.LINE_TYPES[OrderLineType.PURCHASE]).casefold()
    line_type = next(
        (domain for domain, vendor in inferred.LINE_TYPES.items() if vendor.casefold() == kind),
        None,
    )
    if line_type is None:
        raise ValueError(f"unknown line type {item.get('type')!r}")
    quantity = item["quantity"]
    if (
        not isinstance(quantity, int | float)
        or isinstance(quantity, bool)
        or quantity != int(quantity)
    ):
        raise ValueError("line quantity is not a whole number")
    return OrderLine(
        sku=str(article["sku"]),
        quantity=int(quantity),
        type=line_type,
        line_id=_opt_str(item.get("id")),
        name=_opt_str(article.get("name")),
        unit_price=_opt_float(item.get("pricePerUnit")),
        total_price=_opt_float(item.get("totalPrice")),
        url=_opt_str(article.get("targetUri")),
        image_url=_opt_str(article.get("imageUri")),
        discounts=tuple(_discount_from_vendor(d) for d in item.get("discounts") or ()),
        taxes=tuple(_tax_from_vendor(t) for t in item.get("taxes") or ()),
        description=_opt_str(article.get("description")),
        external_status=_opt_str(item.get("externalStatus")),
        original_unit_price=_opt_float(item.get("originalPricePerUnit")),
        original_total_price=_opt_float(item.get("originalTotalPrice")),
        return_details=_return_details(item.get("returnDetails")),
    )


def _return_details(block: object) -> ReturnDetails | None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return None
    return ReturnDetails(type=block["type"], reason=_opt_str(block.get("reason")))


def _tax_from_vendor(tax: Json) -> Tax:
    return Tax(
        amount=_opt_float(tax.get("amount")),
        percent=_opt_float(tax.get("percent")),
        description=_opt_str(tax.get("description")),
    )


def _discount_from_vendor(discount: Json) -> Discount:
    return Discount(
        amount=float(discount["amount"]),
        type=_opt_str(discount.get("type")),
        description=_opt_str(discount.get("description")),
    )


def _delivery_from_vendor(block: object) -> Delivery | None:
    if not isinstance(block, dict):
        return None
    date = block.get("deliveryDate")
    return Delivery(
        method=_opt_str(block.get("method")),
        tracking_number=_opt_str(block.get("trackingNumber")),
        tracking_uri=_opt_str(block.get("trackingUri")),
        delivery_date=None if date is None else parse_datetime(date),
    )


def _address_from_vendor(block: object) -> Address | None:
    if not isinstance(block, dict):
        return None
    return Address(
        **{
            name: _opt_str(block.get(vendor, block.get(_ADDRESS_READ_ALIASES.get(vendor, vendor))))
            for name, vendor in _ADDRESS_KEYS
        }
    )


def _order_type(vendor_type: str | None, lines: tuple[OrderLine, ...]) -> OrderType | None:
    # Engage calls an order with purchase and return lines "Purchase" (§3.1); the gateway has
    # a name for it.
    kinds = {line.type for line in lines}
    if kinds == {OrderLineType.PURCHASE, OrderLineType.RETURN}:
        return OrderType.MIXED
    if vendor_type is None:
        return None
    folded = vendor_type.casefold()
    if folded == inferred.ORDER_TYPE_PURCHASE.casefold():
        return OrderType.PURCHASE
    if folded == inferred.ORDER_TYPE_RETURN.casefold():
        return OrderType.RETURN
    return None


def contact_from_vendor(body: object) -> Contact:
    """§7: ``{id, attributes: {firstName, lastName, email, mobilePhone, externalId, ...}}``."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise BadVendorResponse(
            "Engage sent a contact the adapter cannot read", vendor=Vendor.ENGAGE
        )
    attributes = body.get("attributes")
    attrs: Json = attributes if isinstance(attributes, dict) else {}
    return Contact(
        vendor=Vendor.ENGAGE,
        contact_id=body["id"],
        email=_opt_str(attrs.get("email")),
        phone=_opt_str(attrs.get("mobilePhone")),
        external_id=_opt_str(attrs.get("externalId")),
        first_name=_opt_str(attrs.get("firstName")),
        last_name=_opt_str(attrs.get("lastName")),
    )


# --- what Engage keeps -----------------------------------------------------------------------


def held_by_engage(order: Order) -> Order:
    """``order`` as Engage can give it back: fields it has no place for cleared, the contact
    reduced to the one key sent, the status through the externalStatus rule, and the fields
    the vendor sets left out. Two orders with equal views are the same order to Engage."""
    status = statuses.to_vendor(order.status, order.external_status)
    read_status, read_external = statuses.from_vendor(status.status, status.external_status)
    contact = ContactRef()
    for name, _ in inferred.MATCH_KEY_TYPES:
        value = getattr(order.contact, name)
        if value:
            contact = ContactRef(**{name: value})
            break
    return dataclasses.replace(
        order,
        contact=contact,
        status=read_status,
        external_status=read_external,
        time_zone=None,
        website_id=None,
        returns_value=None,
        taxes=(),
        attributes=(),
        created_at=_aware(order.created_at),
        lines=tuple(
            dataclasses.replace(line, category=None, attributes=(), returned_quantity=None)
            for line in order.lines
        ),
        delivery=(
            None
            if order.delivery is None
            else dataclasses.replace(
                order.delivery,
                delivery_date=(
                    None
                    if order.delivery.delivery_date is None
                    else _aware(order.delivery.delivery_date)
                ),
            )
        ),
        vendor_status=None,
        type=None,
        last_changed_at=None,
        version_tag=None,
        is_deleted=False,
        contact_id=None,
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
