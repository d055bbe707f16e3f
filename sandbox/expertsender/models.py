"""The emulator's own records of orders and customers, and their ECDP JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.expertsender import inferred

Number = int | float


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    value: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value}


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    name: str
    price: Number
    quantity: int
    returned: int | None = None
    url: str | None = None
    image_url: str | None = None
    category: str | None = None
    attributes: tuple[Attribute, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "price": self.price,
            "quantity": self.quantity,
            "returned": self.returned,
            "url": self.url,
            "imageUrl": self.image_url,
            "category": self.category,
            "productAttributes": [a.to_wire() for a in self.attributes],
        }


@dataclass(frozen=True, slots=True)
class CustomerIdentifiers:
    """The identifiers an order was written with; at least one is non-blank."""

    email: str | None = None
    phone: str | None = None
    crm_id: str | None = None

    def by_wire_name(self, name: str) -> str | None:
        """The identifier, or None when it is absent or blank (blank ones identify nobody)."""
        value = {"email": self.email, "phone": self.phone, "crmId": self.crm_id}[name]
        return value if value is not None and value.strip() else None

    def usable(self) -> bool:
        return any(self.by_wire_name(n) is not None for n in ("email", "phone", "crmId"))


@dataclass(slots=True)
class Customer:
    id: int
    email: str | None = None
    phone: str | None = None
    crm_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "phone": self.phone,
            "crmId": self.crm_id,
            "firstName": self.first_name,
            "lastName": self.last_name,
        }


@dataclass(frozen=True, slots=True)
class OrderInput:
    """One validated element of a POST /orders ``data`` array."""

    id: str
    date: str
    customer: CustomerIdentifiers
    total_value: Number | None
    products: tuple[Product, ...]
    time_zone: str | None = None
    website_id: int | None = None
    status: str | None = None
    currency: str | None = None
    returns_value: Number | None = None
    attributes: tuple[Attribute, ...] = ()


@dataclass(slots=True)
class StoredOrder:
    order: OrderInput
    customer_id: int
    status: str | None
    is_deleted: bool = False

    def to_wire(self, unit_time_zone: str) -> dict[str, Any]:
        o = self.order
        written = o.customer
        return {
            "id": o.id,
            "date": o.date,
            "timeZone": o.time_zone if o.time_zone is not None else unit_time_zone,
            "websiteId": o.website_id,
            "status": self.status,
            "currency": o.currency,
            "totalValue": o.total_value,
            "returnsValue": o.returns_value,
            "customer": {
                "id": self.customer_id,
                "email": written.email,
                "phone": written.phone,
                "crmId": written.crm_id,
            },
            "products": [p.to_wire() for p in o.products],
            "orderAttributes": [a.to_wire() for a in o.attributes],
            inferred.DELETED_FLAG: self.is_deleted,
        }
