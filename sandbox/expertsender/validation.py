"""Validation of POST /orders and PUT /orders/status bodies against the documented limits.

Nothing here touches stored data: a request is turned into typed inputs or rejected whole with
every problem listed, so a failing element can never leave part of its batch behind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sandbox.expertsender import inferred
from sandbox.expertsender.fields import FieldReader, child, item
from sandbox.expertsender.inferred import AttributeDefinition
from sandbox.expertsender.models import Attribute, CustomerIdentifiers, OrderInput, Product

_DATE = re.compile(inferred.DATE_PATTERN)
_INTEGER = re.compile(r"^[+-]?\d{1,18}$")


class ValidationFailed(Exception):
    """The request breaks one or more documented rules; ``errors`` lists them all."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass(frozen=True, slots=True)
class Rules:
    """The business unit's settings a body is checked against."""

    time_zones: Set[str]
    order_attributes: tuple[AttributeDefinition, ...]
    product_attributes: tuple[AttributeDefinition, ...]


@dataclass(frozen=True, slots=True)
class WriteRequest:
    mode: str
    orders: tuple[OrderInput, ...]


@dataclass(frozen=True, slots=True)
class StatusChange:
    order_id: str
    status: str
    website_id: int | None


def normalise_date(value: str) -> str | None:
    """The date as the vendor's .NET serializer writes it back, or None if it is not valid.

    Trailing zeros of the fraction are dropped, as System.Text.Json does, which keeps every
    accepted value lossless.
    """
    match = _DATE.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        return None
    digits = (fraction or "").rstrip("0")
    stem = f"{year}-{month}-{day}T{hour}:{minute}:{second}"
    return f"{stem}.{digits}Z" if digits else f"{stem}Z"


def _pick(value: str, allowed: Sequence[str]) -> str | None:
    """The allowed spelling of ``value``, compared case-insensitively (a .NET enum read)."""
    folded = value.casefold()
    return next((a for a in allowed if a.casefold() == folded), None)


def _attribute_value_ok(definition: AttributeDefinition, value: str) -> str | None:
    """None if ``value`` fits the attribute's type, else what was expected."""
    if definition.type == "Integer" and not _INTEGER.match(value):
        return "an integer"
    if definition.type == "Date":
        try:
            (datetime if "T" in value else date).fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "an ISO 8601 date"
    if definition.type == "Url":
        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            return "an absolute http(s) URL"
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "an absolute http(s) URL"
    return None


class _OrderReader(FieldReader):
    def __init__(self, rules: Rules) -> None:
        super().__init__()
        self.rules = rules

    def attributes(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        catalogue: tuple[AttributeDefinition, ...],
        kind: str,
    ) -> tuple[Attribute, ...]:
        raw = self.array(obj, key, path)
        path = child(path, key)
        found: list[Attribute] = []
        named: set[str] = set()
        for index, element in enumerate(raw or []):
            at = item(path, index)
            entry = self.element_object(element, at)
            if entry is None:
                continue
            name = self.string(entry, "name", at, required=True, min_len=1, max_len=256)
            value = self.string(entry, "value", at)
            if name is None:
                continue
            named.add(name)
            definition = _find(catalogue, name)
            if definition is None:
                self.fail(
                    child(at, "name"),
                    inferred.MSG_UNKNOWN_ATTRIBUTE.format(value=name, kind=kind),
                )
                continue
            if value is not None:
                expected = _attribute_value_ok(definition, value)
                if expected is not None:
                    self.fail(
                        child(at, "value"),
                        inferred.MSG_ATTRIBUTE_VALUE.format(name=name, expected=expected),
                    )
                    continue
            found.append(Attribute(name, value))
        for definition in catalogue:
            if definition.required and _find_name(named, definition.name) is None:
                self.fail(
                    path, inferred.MSG_MISSING_ATTRIBUTE.format(value=definition.name, kind=kind)
                )
        return tuple(found)

    def customer(self, obj: dict[str, Any], path: str) -> CustomerIdentifiers | None:
        raw = self.object(obj, "customer", path, required=True)
        if raw is None:
            return None
        path = child(path, "customer")
        before = len(self.errors)
        email = self.string(raw, "email", path, max_len=320)
        phone = self.string(raw, "phone", path, max_len=20)
        crm_id = self.string(raw, "crmId", path, max_len=128)
        if len(self.errors) > before:
            return None
        # Kept as written, so the order reads back unchanged; blank ones never match anyone.
        ids = CustomerIdentifiers(email, phone, crm_id)
        if not ids.usable():
            self.fail(path, inferred.MSG_NO_IDENTIFIER)
            return None
        return ids

    def product(self, element: Any, path: str) -> Product | None:
        raw = self.element_object(element, path)
        if raw is None:
            return None
        before = len(self.errors)
        product_id = self.string(raw, "id", path, required=True, min_len=1, max_len=128)
        name = self.string(raw, "name", path, required=True, min_len=1, max_len=2048)
        price = self.number(raw, "price", path, required=True)
        quantity = self.int32(raw, "quantity", path, required=True, minimum=0)
        returned = self.int32(raw, "returned", path, minimum=0)
        url = self.string(raw, "url", path, max_len=2048)
        image_url = self.string(raw, "imageUrl", path, max_len=2048)
        category = self.string(raw, "category", path, max_len=2048)
        attributes = self.attributes(
            raw, "productAttributes", path, self.rules.product_attributes, "product attribute"
        )
        if len(self.errors) > before:
            return None
        assert product_id is not None and name is not None
        assert price is not None and quantity is not None
        return Product(
            product_id, name, price, quantity, returned, url, image_url, category, attributes
        )

    def order(self, element: Any, path: str) -> OrderInput | None:
        raw = self.element_object(element, path)
        if raw is None:
            return None
        before = len(self.errors)
        order_id = self.string(raw, "id", path, required=True, min_len=1, max_len=128)
        order_date = self.date(raw, path)
        time_zone = self.string(raw, "timeZone", path, max_len=100)
        if time_zone is not None and time_zone not in self.rules.time_zones:
            self.fail(child(path, "timeZone"), inferred.MSG_TIME_ZONE.format(value=time_zone))
        website_id = self.int32(raw, "websiteId", path)
        status = self.enum(raw, "status", path, inferred.STATUSES)
        currency = self.string(raw, "currency", path, min_len=3, max_len=3)
        total = self.number(
            raw, "totalValue", path, required=inferred.TOTAL_VALUE_REQUIRED, minimum=0
        )
        returns = self.number(raw, "returnsValue", path, minimum=0)
        customer = self.customer(raw, path)
        raw_products = self.array(raw, "products", path, required=True)
        products_path = child(path, "products")
        products = [
            self.product(p, item(products_path, i)) for i, p in enumerate(raw_products or [])
        ]
        attributes = self.attributes(
            raw, "orderAttributes", path, self.rules.order_attributes, "order attribute"
        )
        if len(self.errors) > before:
            return None
        assert order_id is not None and order_date is not None and customer is not None
        return OrderInput(
            id=order_id,
            date=order_date,
            customer=customer,
            total_value=total,
            products=tuple(p for p in products if p is not None),
            time_zone=time_zone,
            website_id=website_id,
            status=status.lower() if status is not None else inferred.DEFAULT_STATUS,
            currency=currency,
            returns_value=returns,
            attributes=attributes,
        )

    def date(self, obj: dict[str, Any], path: str) -> str | None:
        value = self.string(obj, "date", path, required=True)
        if value is None:
            return None
        normalised = normalise_date(value)
        if normalised is None:
            self.fail(child(path, "date"), inferred.MSG_DATE.format(field="date"))
        return normalised

    def enum(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        allowed: Sequence[str],
        required: bool = False,
    ) -> str | None:
        value = self.string(obj, key, path, required=required, min_len=1 if required else 0)
        if value is None:
            return None
        picked = _pick(value, allowed)
        if picked is None:
            self.fail(
                child(path, key),
                inferred.MSG_ENUM.format(value=value, field=key, allowed=", ".join(allowed)),
            )
        return picked


def _find(catalogue: tuple[AttributeDefinition, ...], name: str) -> AttributeDefinition | None:
    if inferred.ATTRIBUTE_NAMES_CASE_SENSITIVE:
        return next((d for d in catalogue if d.name == name), None)
    return next((d for d in catalogue if d.name.casefold() == name.casefold()), None)


def _find_name(names: set[str], wanted: str) -> str | None:
    if inferred.ATTRIBUTE_NAMES_CASE_SENSITIVE:
        return wanted if wanted in names else None
    return next((n for n in names if n.casefold() == wanted.casefold()), None)


def _root(body: Any, reader: FieldReader) -> dict[str, Any]:
    if not isinstance(body, dict):
        reader.fail(inferred.BODY_ROOT_PATH, inferred.MSG_TYPE.format(type="an object"))
        raise ValidationFailed(reader.errors)
    return body


def parse_write_request(body: Any, rules: Rules) -> WriteRequest:
    """A POST /orders body as typed orders, or ValidationFailed listing every problem."""
    reader = _OrderReader(rules)
    root = _root(body, reader)
    mode = reader.enum(root, "mode", "", inferred.MODES, required=True)
    data = reader.array(root, "data", "", required=True, min_items=1)
    orders = [reader.order(element, item("data", i)) for i, element in enumerate(data or [])]
    if inferred.REJECT_DUPLICATE_IDS_IN_BATCH:
        seen: set[str] = set()
        for index, order in enumerate(orders):
            if order is None:
                continue
            if order.id in seen:
                reader.fail(
                    child(item("data", index), "id"),
                    inferred.MSG_DUPLICATE_ID.format(value=order.id),
                )
            seen.add(order.id)
    if reader.errors:
        raise ValidationFailed(reader.errors)
    assert mode is not None
    return WriteRequest(mode, tuple(o for o in orders if o is not None))


def parse_status_change(body: Any) -> StatusChange:
    """A PUT /orders/status body, or ValidationFailed listing every problem."""
    reader = _OrderReader(Rules(frozenset(), (), ()))
    root = _root(body, reader)
    order_id = reader.string(root, "orderId", "", required=True, min_len=1, max_len=128)
    status = reader.enum(root, "orderStatus", "", inferred.STATUSES, required=True)
    website_id = reader.int32(root, "websiteId", "")
    if reader.errors:
        raise ValidationFailed(reader.errors)
    assert order_id is not None and status is not None
    return StatusChange(order_id, status.lower(), website_id)
