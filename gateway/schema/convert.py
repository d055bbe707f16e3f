"""Mutation inputs to model objects, with the cheap checks made before any vendor call.

Only what is wrong for every vendor is checked here (an empty id, a contact nobody can find, a
negative quantity, a time without offset); each vendor's own rules stay with the vendor, whose
refusal comes back as ``UserError``s with its own words.
"""

from __future__ import annotations

from collections.abc import Sequence

from adapters import model
from adapters.model import OrderActionType, OrderLineType
from gateway.errors import UserErrorInfo
from gateway.schema import edges
from gateway.schema.inputs import (
    AddressInput,
    AttributeInput,
    DeliveryInput,
    DiscountInput,
    FeeInput,
    OrderActionInput,
    OrderInput,
    OrderLineInput,
    PaymentInput,
    TaxInput,
)

INVALID = "VALIDATION_FAILED"
MAX_IDEMPOTENCY_KEY = 200

Path = tuple[str, ...]


def _error(path: Path, message: str) -> UserErrorInfo:
    return UserErrorInfo(code=INVALID, message=message, field=path)


def check_id(value: str, path: Path, what: str) -> list[UserErrorInfo]:
    if not value.strip():
        return [_error(path, f"{what} must not be empty")]
    return []


def check_order_id(value: str, path: Path) -> list[UserErrorInfo]:
    return check_id(value, path, "orderId") or edges.check_addressable_id(value, path, "orderId")


def check_idempotency_key(key: str | None) -> list[UserErrorInfo]:
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        return [
            _error(
                ("input", "idempotencyKey"),
                f"idempotencyKey must have 1 to {MAX_IDEMPOTENCY_KEY} characters",
            )
        ]
    return []


def check_action(
    action: OrderActionType, custom_action: str | None, path: Path
) -> list[UserErrorInfo]:
    if action is OrderActionType.CUSTOM and not (custom_action and custom_action.strip()):
        return [_error((*path, "customAction"), "customAction is required when action is CUSTOM")]
    return []


def check_order(order: OrderInput, path: Path = ("input", "order")) -> list[UserErrorInfo]:
    errors = check_order_id(order.order_id, (*path, "orderId"))
    errors += edges.check_date(order.created_at, (*path, "createdAt"), "createdAt")
    errors += edges.check_date(order.last_changed_at, (*path, "lastChangedAt"), "lastChangedAt")
    if order.delivery is not None:
        errors += edges.check_date(
            order.delivery.delivery_date, (*path, "delivery", "deliveryDate"), "deliveryDate"
        )
    if order.created_at.tzinfo is None:
        errors.append(
            _error(
                (*path, "createdAt"),
                "createdAt needs a UTC offset, e.g. 2025-05-01T12:00:00Z or +02:00",
            )
        )
    contact = order.contact
    if not any(
        value and value.strip()
        for value in (contact.contact_id, contact.email, contact.phone, contact.external_id)
    ):
        errors.append(
            _error(
                (*path, "contact"),
                "contact needs at least one of contactId, email, phone or externalId",
            )
        )
    for index, line in enumerate(order.lines):
        line_path = (*path, "lines", str(index))
        errors += check_id(line.sku, (*line_path, "sku"), "sku")
        if line.quantity < 0:
            errors.append(_error((*line_path, "quantity"), "quantity must not be negative"))
        if line.returned_quantity is not None and line.returned_quantity < 0:
            errors.append(
                _error((*line_path, "returnedQuantity"), "returnedQuantity must not be negative")
            )
    for index, reference in enumerate(order.references or ()):
        errors += check_id(reference, (*path, "references", str(index)), "A reference")
    return errors


def _attributes(items: Sequence[AttributeInput] | None) -> tuple[model.Attribute, ...]:
    return tuple(model.Attribute(name=a.name, value=a.value) for a in items or ())


def _taxes(items: Sequence[TaxInput] | None) -> tuple[model.Tax, ...]:
    return tuple(
        model.Tax(amount=t.amount, percent=t.percent, description=t.description)
        for t in items or ()
    )


def _discounts(items: Sequence[DiscountInput] | None) -> tuple[model.Discount, ...]:
    return tuple(
        model.Discount(amount=d.amount, type=d.type, description=d.description) for d in items or ()
    )


def _fees(items: Sequence[FeeInput] | None) -> tuple[model.Fee, ...]:
    return tuple(
        model.Fee(amount=f.amount, type=f.type, description=f.description, taxes=_taxes(f.taxes))
        for f in items or ()
    )


def _payments(items: Sequence[PaymentInput] | None) -> tuple[model.Payment, ...]:
    return tuple(
        model.Payment(amount=p.amount, method=p.method, reference=p.reference) for p in items or ()
    )


def _delivery(item: DeliveryInput | None) -> model.Delivery | None:
    if item is None:
        return None
    return model.Delivery(
        method=item.method,
        tracking_number=item.tracking_number,
        tracking_uri=item.tracking_uri,
        delivery_date=item.delivery_date,
    )


def _address(item: AddressInput | None) -> model.Address | None:
    if item is None:
        return None
    return model.Address(
        title=item.title,
        first_name=item.first_name,
        last_name=item.last_name,
        company=item.company,
        street=item.street,
        zip_code=item.zip_code,
        city=item.city,
        country_code=item.country_code,
        email=item.email,
        phone=item.phone,
    )


def _line(line: OrderLineInput) -> model.OrderLine:
    return model.OrderLine(
        sku=line.sku,
        quantity=line.quantity,
        type=line.type or OrderLineType.PURCHASE,
        line_id=line.line_id,
        name=line.name,
        returned_quantity=line.returned_quantity,
        unit_price=line.unit_price,
        total_price=line.total_price,
        url=line.url,
        image_url=line.image_url,
        category=line.category,
        attributes=_attributes(line.attributes),
        discounts=_discounts(line.discounts),
        taxes=_taxes(line.taxes),
        description=line.description,
        external_status=line.external_status,
        original_unit_price=line.original_unit_price,
        original_total_price=line.original_total_price,
        return_details=(
            None
            if line.return_details is None
            else model.ReturnDetails(line.return_details.type, line.return_details.reason)
        ),
    )


def _blank_to_none(value: str | None) -> str | None:
    return value if value and value.strip() else None


def to_order(order: OrderInput) -> model.Order:
    contact = order.contact
    return model.Order(
        order_id=order.order_id,
        created_at=order.created_at,
        contact=model.ContactRef(
            contact_id=_blank_to_none(contact.contact_id),
            email=_blank_to_none(contact.email),
            phone=_blank_to_none(contact.phone),
            external_id=_blank_to_none(contact.external_id),
        ),
        lines=tuple(_line(line) for line in order.lines),
        status=order.status,
        external_status=order.external_status,
        time_zone=order.time_zone,
        currency=order.currency,
        total=order.total,
        returns_value=order.returns_value,
        payments=_payments(order.payments),
        discounts=_discounts(order.discounts),
        fees=_fees(order.fees),
        taxes=_taxes(order.taxes),
        delivery=_delivery(order.delivery),
        billing_address=_address(order.billing_address),
        shipping_address=_address(order.shipping_address),
        attributes=_attributes(order.attributes),
        references=tuple(order.references or ()),
        store_id=order.store_id,
        website_id=order.website_id,
        channel=order.channel,
        last_changed_at=order.last_changed_at,
        contact_type=order.contact_type,
    )


def to_action(action: OrderActionInput | None) -> model.OrderAction | None:
    if action is None:
        return None
    return model.OrderAction(
        action=action.action,
        custom_action=action.custom_action,
        language=action.language,
        data=action.data,
    )
