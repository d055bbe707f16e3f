"""The domain enums, exposed to GraphQL with a description on every value.

The model's own enums are used directly so resolvers never convert enum values; ``_expose`` fails
at import time if a value lacks a description, so the docs cannot fall behind the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

from adapters.model import (
    JobOperation,
    JobState,
    LogSeverity,
    OrderActionType,
    OrderLineType,
    OrderStatus,
    OrderType,
    Vendor,
    WriteMode,
)

E = TypeVar("E", bound=type[Enum])


def _expose(cls: E, description: str, values: Mapping[str, str]) -> E:
    exposed = strawberry.enum(cls, description=description)
    definition = exposed.__strawberry_definition__  # type: ignore[attr-defined]
    names = {value.name for value in definition.values}
    if names != set(values):
        raise RuntimeError(f"{cls.__name__}: descriptions do not match values {sorted(names)}")
    for value in definition.values:
        value.description = values[value.name]
    return exposed


VendorEnum = _expose(
    Vendor,
    "A commerce vendor whose order API the gateway fronts.",
    {
        "ENGAGE": "Voyado Engage v3 Orders: asynchronous writes followed through vendor jobs.",
        "EXPERTSENDER": "ExpertSender CDP Orders: synchronous writes, jobs finished at once.",
    },
)
WriteModeEnum = _expose(
    WriteMode,
    "How writeOrder treats an order id that may already exist.",
    {
        "ADD": "Create only; an existing order id fails with ORDER_ALREADY_EXISTS.",
        "ADD_OR_REPLACE": "Create the order, or replace it wholly if the id exists.",
        "REPLACE": "Replace an existing order wholly; a missing id fails with ORDER_NOT_FOUND.",
    },
)
OrderStatusEnum = _expose(
    OrderStatus,
    "The order's life-cycle status, normalised across vendors (see vendorStatus for the "
    "vendor's own value).",
    {
        "PLACED": "Placed by the customer, not paid yet.",
        "PAID": "Paid, not yet being fulfilled.",
        "IN_PROGRESS": "Being fulfilled.",
        "COMPLETED": "Fulfilled.",
        "CANCELLED": "Cancelled.",
    },
)
OrderTypeEnum = _expose(
    OrderType,
    "Whether an order buys, returns or both.",
    {
        "PURCHASE": "Only purchase lines (Engage also reports mixed orders as purchases).",
        "RETURN": "Only return lines.",
        "MIXED": "Both purchase and return lines.",
    },
)
OrderLineTypeEnum = _expose(
    OrderLineType,
    "Whether an order line is bought or returned.",
    {"PURCHASE": "An item bought.", "RETURN": "An item returned."},
)
JobStateEnum = _expose(
    JobState,
    "Where an accepted write stands. COMPLETED, COMPLETED_WITH_ERRORS and FAILED are final.",
    {
        "PENDING": "Accepted, not started by the vendor yet.",
        "RUNNING": "Being processed by the vendor.",
        "COMPLETED": "Done without problems.",
        "COMPLETED_WITH_ERRORS": "Done, with warnings or partial errors (see warnings/errors).",
        "FAILED": "Not applied (see errors), or not finished within the gateway's time limit.",
    },
)
JobOperationEnum = _expose(
    JobOperation,
    "What kind of write a job carries out.",
    {
        "CREATE": "An order was added (or added-or-replaced as a new order).",
        "REPLACE": "An existing order was replaced wholly.",
        "CHANGE_STATUS": "An order's status changed.",
        "DELETE": "An order was deleted.",
        "ACTION": "An order action was triggered.",
        "UNKNOWN": (
            "A vendor job the gateway did not start and whose vendor answer does not say "
            "what it does (Engage documents no operation on a job)."
        ),
    },
)
OrderActionTypeEnum = _expose(
    OrderActionType,
    "An order action (Engage automation trigger); only vendors with the 'actions' capability.",
    {
        "CONFIRM_ORDER": "The order is legitimate and payment was received.",
        "CONFIRM_SHIPMENT": "The order was handed to the carrier.",
        "CONFIRM_DELIVERY": "The order was delivered.",
        "CONFIRM_CANCELLATION": "The order was cancelled.",
        "CONFIRM_COMPLETION": "The order was completed.",
        "CUSTOM": "A custom action, named by customAction.",
    },
)
LogSeverityEnum = _expose(
    LogSeverity,
    "How serious an integration-log entry is.",
    {
        "INFO": "For the record (e.g. a job completed).",
        "WARNING": "Something was accepted with a problem (e.g. a field the vendor cannot hold).",
        "ERROR": "Something failed (e.g. a vendor refused a write or was unreachable).",
    },
)
