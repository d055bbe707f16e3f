"""Every ExpertSender CDP wire choice the vendor's documentation leaves open, in one place.

Each constant names the section of ``shared/vendor-docs/expertsender.md`` it follows (and the
row of ``docs/vendor-assumptions.md`` that the emulator builds to). When a choice is proven
wrong against the real API, it is corrected here and nowhere else.
"""

from __future__ import annotations

import re
from typing import Final

# §4: problem-details ``substatus`` values. Only ``CustomerInvalidModelState`` was ever seen
# verbatim; the order names follow the vendor's ``<Entity><Problem>`` scheme. Only the ones that
# change the error class are read: a 400 is a validation failure unless it says the order
# exists, and a 404 names what is missing. Every other status maps by its HTTP code.
SUBSTATUS_ALREADY_EXISTS: Final = "OrderAlreadyExists"
# Ours too: a 400 that names this substatus is a validation failure, never an existing order.
SUBSTATUS_ORDER_INVALID: Final = "OrderInvalidModelState"
SUBSTATUS_ORDER_NOT_FOUND: Final = "OrderNotFound"
SUBSTATUS_CUSTOMER_NOT_FOUND: Final = "CustomerNotFound"

# §4: ``errors[]`` is a list of strings; ours carry ``"<path>: <message>"`` with the path into the
# request body (``data[0].products[1].name``). ASP.NET may capitalise segments or prefix ``$.``,
# so the path is read case-insensitively and the prefix is optional.
ERROR_STRING: Final = re.compile(
    r"^\s*(?:\$\.)?(?P<path>[A-Za-z_][\w.\[\]]*)\s*:\s*(?P<message>.*)$"
)
PATH_SEGMENT: Final = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")

# §3: a write's success code. 201 is confirmed; the body (``{}`` or empty) is unknown, so any
# 2xx is accepted and the body is never read.
WRITE_SUCCESS_MIN: Final = 200
WRITE_SUCCESS_MAX: Final = 299

# §2 (seed pattern ``YYYY-MM-DDTHH:mm:ss.sssZ``; §10.5): ``date`` is sent in UTC with a ``Z``.
# Milliseconds as documented; microseconds only when the value has them (the WooCommerce
# plugin sends six digits, so the API accepts them).
DATE_SUFFIX: Final = "Z"

# §9: ``GET /orders/{id}`` wraps the order in ``{"status": 0, "data": {...}}``; a soft-deleted
# order still answers 200. The seed says a delete changes the status to ``deleted``
# ("IsDeleted"): either the status or a flag of that name says so.
ENVELOPE_KEY: Final = "data"
DELETED_STATUS: Final = "deleted"
DELETED_FLAGS: Final = ("isDeleted", "IsDeleted")

# §8: customer look-up paths; the email one is confirmed by the vendor's plugins, the others
# come from a third-party client.
CUSTOMER_LOOKUP_PATHS: Final = {
    "contact_id": "/customers/id/{}",
    "email": "/customers/email/{}",
    "phone": "/customers/phone/{}",
    "external_id": "/customers/crmId/{}",
}

# §9: status change body keys (the Magento module's ``updateOrderStatus``).
STATUS_ORDER_ID_KEY: Final = "orderId"
STATUS_VALUE_KEY: Final = "orderStatus"
