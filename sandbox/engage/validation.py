"""Format validation of Engage request bodies, per the field tables of the vendor note (§3, §4).

Validators collect every problem as `{field, code, message}` (field = dotted path into the JSON)
and return a canonical copy of the body with enum values in their documented spelling.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from sandbox.engage import inferred
from sandbox.engage.moments import parse_moment

FieldError = dict[str, str]
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class Problems:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.items.append({"field": field, "code": code, "message": message})

    def required(self, field: str) -> None:
        self.add(field, inferred.FIELD_REQUIRED, f"The {field} field is required.")

    def wrong_type(self, field: str, expected: str) -> None:
        self.add(field, inferred.FIELD_INVALID_TYPE, f"The {field} field must be {expected}.")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _enum(value: str, allowed: Sequence[str]) -> str | None:
    folded = value.casefold()
    return next((option for option in allowed if option.casefold() == folded), None)


class _Checker:
    """Field checks over one JSON object, reporting into a shared `Problems`."""

    def __init__(self, obj: dict[str, Any], path: str, problems: Problems) -> None:
        self.obj = obj
        self.path = path
        self.problems = problems

    def field(self, key: str) -> str:
        return _join(self.path, key)

    def present(self, key: str, required: bool) -> bool:
        if key not in self.obj or self.obj[key] is None:
            if required:
                self.problems.required(self.field(key))
            return False
        return True

    def string(
        self, key: str, *, required: bool = False, max_length: int = inferred.MAX_TEXT_LENGTH
    ) -> str | None:
        if not self.present(key, required):
            return None
        value = self.obj[key]
        if not isinstance(value, str):
            self.problems.wrong_type(self.field(key), "a string")
            return None
        if required and not value.strip():
            self.problems.required(self.field(key))
            return None
        if len(value) > max_length:
            self.problems.add(
                self.field(key),
                inferred.FIELD_TOO_LONG,
                f"The {self.field(key)} field must be at most {max_length} characters.",
            )
            return None
        return value

    def number(self, key: str, *, required: bool = False, positive: bool = False) -> float | None:
        if not self.present(key, required):
            return None
        value = self.obj[key]
        if not is_number(value):
            self.problems.wrong_type(self.field(key), "a number")
            return None
        if positive and value <= 0:
            self.problems.add(
                self.field(key),
                inferred.FIELD_INVALID_VALUE,
                f"The {self.field(key)} field must be greater than 0.",
            )
            return None
        return float(value)

    def enum(self, key: str, allowed: Sequence[str], *, required: bool = False) -> None:
        value = self.string(key, required=required)
        if value is None:
            return
        canonical = _enum(value, allowed)
        if canonical is None:
            self.problems.add(
                self.field(key),
                inferred.FIELD_INVALID_VALUE,
                f"The {self.field(key)} field must be one of: {', '.join(allowed)}.",
            )
            return
        self.obj[key] = canonical

    def moment(self, key: str, *, required: bool = False, date_only_ok: bool = False) -> None:
        value = self.string(key, required=required, max_length=64)
        if value is None:
            return
        if date_only_ok and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                date.fromisoformat(value)
                return
            except ValueError:
                pass
        parsed = parse_moment(value)
        if parsed is None or (inferred.DATETIME_NEEDS_OFFSET and parsed.tzinfo is None):
            self.problems.add(
                self.field(key),
                inferred.FIELD_INVALID_VALUE,
                f"The {self.field(key)} field must be an ISO 8601 date-time with an offset.",
            )

    def obj_field(self, key: str, *, required: bool = False) -> _Checker | None:
        if not self.present(key, required):
            return None
        value = self.obj[key]
        if not isinstance(value, dict):
            self.problems.wrong_type(self.field(key), "an object")
            return None
        return _Checker(value, self.field(key), self.problems)

    def array(self, key: str, *, required: bool = False) -> list[Any] | None:
        if not self.present(key, required):
            return None
        value = self.obj[key]
        if not isinstance(value, list):
            self.problems.wrong_type(self.field(key), "an array")
            return None
        return value

    def objects(self, key: str, *, required: bool = False) -> list[_Checker]:
        items = self.array(key, required=required)
        if items is None:
            return []
        checkers = []
        for index, item in enumerate(items):
            path = _join(self.field(key), index)
            if isinstance(item, dict):
                checkers.append(_Checker(item, path, self.problems))
            else:
                self.problems.wrong_type(path, "an object")
        return checkers

    def strings(self, key: str) -> None:
        for index, item in enumerate(self.array(key) or []):
            if not isinstance(item, str):
                self.problems.wrong_type(_join(self.field(key), index), "a string")


def _taxes(parent: _Checker, key: str = "taxes") -> None:
    for tax in parent.objects(key):
        tax.number("amount", required=True)
        tax.number("percent")
        tax.string("description")


def _discounts(parent: _Checker, key: str = "discounts") -> None:
    for discount in parent.objects(key):
        discount.string("type")
        discount.string("description")
        discount.number("amount", required=True)


def _line(line: _Checker) -> None:
    line.string("id", max_length=inferred.MAX_ID_LENGTH)
    line.enum("type", inferred.LINE_TYPES)
    line.string("externalStatus")
    line.number("quantity", required=True, positive=inferred.QUANTITY_MUST_BE_POSITIVE)
    article = line.obj_field("article", required=True)
    if article is not None:
        article.string("sku", required=True, max_length=inferred.MAX_ID_LENGTH)
        for key in ("name", "description", "imageUri", "targetUri"):
            article.string(key)
    _discounts(line)
    details = line.obj_field("returnDetails")
    if details is not None:
        details.enum("type", inferred.RETURN_TYPES, required=True)
        details.string("reason", max_length=inferred.MAX_RETURN_REASON_LENGTH)
    for key in ("pricePerUnit", "originalPricePerUnit", "originalTotalPrice"):
        line.number(key)
    line.number("totalPrice", required=True)
    _taxes(line)


ADDRESS_FIELDS = (
    "title",
    # §3.1: the vendor's own example spells it "firstname"; "lastname" follows it.
    "firstname",
    "lastname",
    "company",
    "street",
    "zipCode",
    "city",
    "countryCode",
    "email",
    "mobilePhone",
)


def _address(address: _Checker) -> None:
    for key in ADDRESS_FIELDS:
        address.string(key)


def _money_block(block: _Checker, total_key: str, *, taxed: bool) -> None:
    """§3.2 (inferred shapes): `{items: [{type?, description?, reference?, amount}], <total>?}`;
    fee items may carry taxes."""
    for item in block.objects("items"):
        item.string("type")
        item.string("description")
        item.string("reference")
        item.number("amount", required=True)
        if taxed:
            _taxes(item)
    block.number(total_key)


def _embedded_action(parent: _Checker) -> None:
    action = parent.obj_field("orderAction")
    if action is not None:
        action.string("action", required=True, max_length=inferred.MAX_ID_LENGTH)
        action.string("language", max_length=35)


def _contact_ref(order: _Checker) -> None:
    contact = order.obj_field("contact", required=True)
    if contact is None:
        return
    contact.string("matchKey", required=True, max_length=inferred.MAX_TEXT_LENGTH)
    contact.enum("matchKeyType", inferred.MATCH_KEY_TYPES, required=True)
    contact.string("contactType")


def validate_order(
    body: object, path_order_id: str | None = None
) -> tuple[dict[str, Any], list[FieldError]]:
    """A create/replace body; `path_order_id` is the id in the URL of a replace."""
    problems = Problems()
    if not isinstance(body, dict):
        problems.wrong_type("body", "a JSON object")
        return {}, problems.items
    canonical = copy.deepcopy(body)
    for key in inferred.SERVER_FIELDS:
        canonical.pop(key, None)
    order = _Checker(canonical, "", problems)
    order_id = order.string("orderId", required=True, max_length=inferred.MAX_ID_LENGTH)
    if order_id is not None and path_order_id is not None and order_id != path_order_id:
        problems.add(
            "orderId",
            inferred.FIELD_MISMATCH,
            "The orderId in the body must equal the orderId in the URL.",
        )
    _contact_ref(order)
    order.string("externalStoreId", max_length=inferred.MAX_ID_LENGTH)
    order.enum("status", inferred.ORDER_STATUSES, required=True)
    order.string("externalStatus")
    order.strings("references")
    currency = order.string("currencyCode", required=True, max_length=3)
    if currency is not None and not _CURRENCY.fullmatch(currency):
        problems.add(
            "currencyCode",
            inferred.FIELD_INVALID_VALUE,
            "The currencyCode field must be an ISO 4217 code such as EUR.",
        )
    order.string("channel")
    order.moment("createdAt", required=True)
    order.moment("lastChangedAt")
    line_items = order.obj_field("lineItems", required=True)
    if line_items is not None:
        lines = line_items.objects("items", required=True)
        items = line_items.obj.get("items")
        if isinstance(items, list) and not items:
            problems.add(
                "lineItems.items",
                inferred.FIELD_REQUIRED,
                "The lineItems.items field must hold at least one line.",
            )
        for line in lines:
            _line(line)
        line_items.number("subTotal")
    for key, total_key in (("payments", "totalPaid"), ("fees", "total"), ("discounts", "total")):
        block = order.obj_field(key)
        if block is not None:
            _money_block(block, total_key, taxed=key == "fees")
    order.number("totalPrice", required=True)
    delivery = order.obj_field("delivery")
    if delivery is not None:
        _delivery_fields(delivery)
    for key in ("billingAddress", "shippingAddress"):
        address = order.obj_field(key)
        if address is not None:
            _address(address)
    _embedded_action(order)
    return canonical, problems.items


def _delivery_fields(delivery: _Checker) -> None:
    delivery.string("method")
    delivery.string("trackingNumber")
    delivery.string("trackingUri")
    delivery.moment("deliveryDate", date_only_ok=True)


def validate_action(body: object) -> tuple[dict[str, Any], list[FieldError]]:
    """§4: `{action, versionTag, language?, data?}`; `data` is any JSON the automation gets."""
    problems = Problems()
    if not isinstance(body, dict):
        problems.wrong_type("body", "a JSON object")
        return {}, problems.items
    canonical = copy.deepcopy(body)
    action = _Checker(canonical, "", problems)
    action.string("action", required=True, max_length=inferred.MAX_ID_LENGTH)
    action.string("versionTag", required=True, max_length=inferred.MAX_ID_LENGTH)
    action.string("language", max_length=35)
    return canonical, problems.items


def validate_change_status(body: object) -> tuple[dict[str, Any], list[FieldError]]:
    """§2.8 (inferred body): `{status?, externalStatus?, orderAction?}`, at least one status."""
    problems = Problems()
    if not isinstance(body, dict):
        problems.wrong_type("body", "a JSON object")
        return {}, problems.items
    canonical = copy.deepcopy(body)
    change = _Checker(canonical, "", problems)
    change.enum("status", inferred.ORDER_STATUSES)
    change.string("externalStatus")
    if canonical.get("status") is None and canonical.get("externalStatus") is None:
        problems.required("status")
    _embedded_action(change)
    return canonical, problems.items


DELIVERY_FIELDS = ("method", "trackingNumber", "trackingUri", "deliveryDate")


def validate_change_delivery(body: object) -> tuple[dict[str, Any], list[FieldError]]:
    """§2.8 (inferred body): the order's delivery fields plus `orderAction?`; at least one."""
    problems = Problems()
    if not isinstance(body, dict):
        problems.wrong_type("body", "a JSON object")
        return {}, problems.items
    canonical = copy.deepcopy(body)
    change = _Checker(canonical, "", problems)
    _delivery_fields(change)
    if all(canonical.get(key) is None for key in DELIVERY_FIELDS):
        problems.required("method")
    _embedded_action(change)
    return canonical, problems.items
