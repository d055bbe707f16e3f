"""The vendor-neutral domain model.

Plain dataclasses that both vendor adapters translate to and from. Nothing here knows about
HTTP, JSON or GraphQL; money is ``float`` because both vendors speak JSON numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Vendor(StrEnum):
    ENGAGE = "ENGAGE"
    EXPERTSENDER = "EXPERTSENDER"


class WriteMode(StrEnum):
    ADD = "ADD"
    ADD_OR_REPLACE = "ADD_OR_REPLACE"
    REPLACE = "REPLACE"


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    PAID = "PAID"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class OrderType(StrEnum):
    PURCHASE = "PURCHASE"
    RETURN = "RETURN"
    MIXED = "MIXED"


class OrderLineType(StrEnum):
    PURCHASE = "PURCHASE"
    RETURN = "RETURN"


class JobState(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_ERRORS = "COMPLETED_WITH_ERRORS"
    FAILED = "FAILED"

    @property
    def is_final(self) -> bool:
        return self in _FINAL_JOB_STATES


_FINAL_JOB_STATES = frozenset({JobState.COMPLETED, JobState.COMPLETED_WITH_ERRORS, JobState.FAILED})


class JobOperation(StrEnum):
    CREATE = "CREATE"
    REPLACE = "REPLACE"
    CHANGE_STATUS = "CHANGE_STATUS"
    DELETE = "DELETE"
    ACTION = "ACTION"
    # A vendor job the gateway did not start, whose vendor does not say what it does.
    UNKNOWN = "UNKNOWN"


class OrderActionType(StrEnum):
    CONFIRM_ORDER = "CONFIRM_ORDER"
    CONFIRM_SHIPMENT = "CONFIRM_SHIPMENT"
    CONFIRM_DELIVERY = "CONFIRM_DELIVERY"
    CONFIRM_CANCELLATION = "CONFIRM_CANCELLATION"
    CONFIRM_COMPLETION = "CONFIRM_COMPLETION"
    CUSTOM = "CUSTOM"


class LogSeverity(StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Tax:
    amount: float | None = None
    percent: float | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Discount:
    amount: float
    type: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Fee:
    amount: float
    type: str | None = None
    description: str | None = None
    taxes: tuple[Tax, ...] = ()


@dataclass(frozen=True, slots=True)
class Payment:
    amount: float
    method: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    method: str | None = None
    tracking_number: str | None = None
    tracking_uri: str | None = None
    delivery_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Address:
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street: str | None = None
    zip_code: str | None = None
    city: str | None = None
    country_code: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class ReturnDetails:
    """Why a line was returned (Engage's ``returnDetails``): ``type`` is Normal, Complaint or
    Change, ``reason`` free text."""

    type: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int
    type: OrderLineType = OrderLineType.PURCHASE
    line_id: str | None = None
    name: str | None = None
    returned_quantity: int | None = None
    unit_price: float | None = None
    total_price: float | None = None
    url: str | None = None
    image_url: str | None = None
    category: str | None = None
    attributes: tuple[Attribute, ...] = ()
    discounts: tuple[Discount, ...] = ()
    taxes: tuple[Tax, ...] = ()
    description: str | None = None
    external_status: str | None = None
    original_unit_price: float | None = None
    original_total_price: float | None = None
    return_details: ReturnDetails | None = None


@dataclass(frozen=True, slots=True)
class ContactRef:
    """How an order names its contact: any one key is enough, the vendor resolves it."""

    contact_id: str | None = None
    email: str | None = None
    phone: str | None = None
    external_id: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.contact_id or self.email or self.phone or self.external_id)


@dataclass(frozen=True, slots=True)
class OrderAction:
    action: OrderActionType
    custom_action: str | None = None
    language: str | None = None
    data: Any = None


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    created_at: datetime
    contact: ContactRef
    lines: tuple[OrderLine, ...]
    status: OrderStatus | None = None
    external_status: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    total: float | None = None
    returns_value: float | None = None
    payments: tuple[Payment, ...] = ()
    discounts: tuple[Discount, ...] = ()
    fees: tuple[Fee, ...] = ()
    taxes: tuple[Tax, ...] = ()
    delivery: Delivery | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    attributes: tuple[Attribute, ...] = ()
    references: tuple[str, ...] = ()
    store_id: str | None = None
    website_id: int | None = None
    channel: str | None = None
    # Engage's contact.contactType (e.g. Member or Contact): which kind of contact the keys name.
    contact_type: str | None = None
    # Set by the vendor, never sent by a client.
    vendor_status: str | None = None
    type: OrderType | None = None
    last_changed_at: datetime | None = None
    version_tag: str | None = None
    is_deleted: bool = False
    contact_id: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    vendor: Vendor
    contact_id: str
    email: str | None = None
    phone: str | None = None
    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of a contact's orders; ``next_cursor`` is opaque and ``None`` on the last page."""

    orders: tuple[Order, ...]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    total_count: int | None = None


@dataclass(frozen=True, slots=True)
class JobMessage:
    code: str
    message: str
    field: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """An accepted write. ``job_id`` is unique per vendor; Engage's is the vendor's own job id,
    ExpertSender's is minted by the adapter because that vendor answers synchronously."""

    vendor: Vendor
    job_id: str
    operation: JobOperation
    state: JobState
    order_id: str
    created_at: datetime
    updated_at: datetime
    vendor_job_id: str | None = None
    version_tag: str | None = None
    errors: tuple[JobMessage, ...] = ()
    warnings: tuple[JobMessage, ...] = ()
    finished_at: datetime | None = None
    # The order as the adapter read it after the job finished (Engage's finished job names no
    # versionTag, so the order is read for it), handed on so the gateway's read cache can keep
    # it instead of reading it again. Not part of the job itself: not compared, not stored.
    order_read: Order | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class LogEntry:
    entry_id: str
    at: datetime
    severity: LogSeverity
    code: str
    message: str
    vendor: Vendor | None = None
    order_id: str | None = None
    job_id: str | None = None
    contact_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
