"""Every Engage v3 wire choice the vendor's documentation leaves open, in one place.

Each choice names the section of `shared/vendor-docs/engage-v3.md` it follows and matches the
Engage table of `docs/vendor-assumptions.md`. A choice proven wrong against the real API is
corrected here (and in that table), nowhere else in the adapter.
"""

from __future__ import annotations

from typing import Final

from adapters.model import JobOperation, JobState, OrderActionType, OrderLineType

# §1 (documented): the key travels in a header literally named `apikey`; a `User-Agent` of the
# form System/Version and `Content-Type: application/json` go on every request, GET included.
API_KEY_HEADER: Final = "apikey"
CONTENT_TYPE: Final = "application/json"

# §2: paths. All order ids and job ids are percent-encoded into the path.
ORDERS_PATH: Final = "/api/v3/orders"
ORDER_PATH: Final = "/api/v3/orders/{order_id}"
JOB_PATH: Final = "/api/v3/orders/jobs/{job_id}"
ACTION_PATH: Final = "/api/v3/orders/{order_id}/action"
CHANGE_STATUS_PATH: Final = "/api/v3/orders/{order_id}/change-status"
CONTACT_ID_PATH: Final = "/api/v3/contacts/id"
CONTACT_PATH: Final = "/api/v3/contacts/{contact_id}"

# §2.1: paging parameter names follow Engage v2 lists; the page is
# `{items, totalCount, links: [{rel, href, method}]}` and links are followed verbatim.
PAGE_CONTACT_PARAM: Final = "contactId"
PAGE_OFFSET_PARAM: Final = "offset"
PAGE_COUNT_PARAM: Final = "count"
PAGE_MAX_COUNT: Final = 100
LINK_NEXT: Final = "next"
LINK_PREVIOUS: Final = "previous"

# §2.2: the docs say "201 Accepted" in one place and 202 in another: any 2xx with a `jobId`
# is an accepted write.
# §2.6: a finished job answers 302 (with the job body, which we read instead of following the
# redirect); a finished delete answers 200; a failed job 409 (duplicate-create race) or 422.
JOB_STATES: Final = {
    "Pending": JobState.PENDING,
    "Processing": JobState.RUNNING,
    "Completed": JobState.COMPLETED,
    "CompletedWithErrors": JobState.COMPLETED_WITH_ERRORS,
    "Failed": JobState.FAILED,
}
JOB_OPERATIONS: Final = {
    "Create": JobOperation.CREATE,
    "Replace": JobOperation.REPLACE,
    "Delete": JobOperation.DELETE,
    "ChangeStatus": JobOperation.CHANGE_STATUS,
    # The gateway has no change-delivery operation; it is a partial replace.
    "ChangeDelivery": JobOperation.REPLACE,
    "Action": JobOperation.ACTION,
}

# §6: error bodies are problem+json `{type,title,status,detail,errorCode?,errors?}` with
# `errors: [{field, code, message}]`, `field` a dotted path into the vendor JSON.
ERROR_CODE_KEY: Final = "errorCode"
ORDER_NOT_FOUND: Final = "OrderNotFound"
ORDER_ALREADY_EXISTS: Final = "OrderAlreadyExists"
JOB_NOT_FOUND: Final = "JobNotFound"
VERSION_TAG_MISMATCH: Final = "VersionTagMismatch"  # §2.7: 404 on a stale versionTag
ORDER_HAS_NO_CONTACT: Final = "OrderHasNoContact"  # §2.7: 422
CONTACT_NOT_FOUND: Final = "ContactNotFound"  # §7
MULTIPLE_MATCHES: Final = "MultipleMatches"  # §7: 409

# §2.2, §7: processing warnings, renamed to the gateway's code style; unknown codes pass as-is.
WARNING_CODES: Final = {
    "ContactMissing": "CONTACT_MISSING",
    "ArticleMissing": "ARTICLE_MISSING",
    "StoreMissing": "STORE_MISSING",
    "OrderActionDiscarded": "ORDER_ACTION_DISCARDED",
    "OrderAlreadyExists": "ORDER_ALREADY_EXISTS",
}

# §3.1: enum spellings (compared case-insensitively on read, §10.7).
ORDER_STATUS_IN_PROGRESS: Final = "InProgress"
ORDER_STATUS_COMPLETED: Final = "Completed"
ORDER_STATUS_CANCELLED: Final = "Cancelled"
ORDER_TYPE_PURCHASE: Final = "Purchase"
ORDER_TYPE_RETURN: Final = "Return"
LINE_TYPES: Final = {OrderLineType.PURCHASE: "Purchase", OrderLineType.RETURN: "Return"}

# §3.1: how a ContactRef becomes `{matchKey, matchKeyType}`; Engage holds one key, tried in
# this order. §7: `customKey` is the tenant's externalId (as in the sandbox).
MATCH_KEY_TYPES: Final = (
    ("contact_id", "ContactId"),
    ("email", "Email"),
    ("phone", "MobilePhone"),
    ("external_id", "ExternalId"),
)
CONTACT_LOOKUP_PARAMS: Final = (
    ("email", "email"),
    ("phone", "mobilePhone"),
    ("external_id", "customKey"),
)

# §3.2: proposed inner shapes of payments / fees / discounts: `{items: [...], <total>}`.
PAYMENTS_TOTAL_KEY: Final = "totalPaid"
FEES_TOTAL_KEY: Final = "total"
DISCOUNTS_TOTAL_KEY: Final = "total"
# §3.1: the JSON name of the order's total price was not captured; `totalPrice`.
ORDER_TOTAL_KEY: Final = "totalPrice"

# §4: action names; a CUSTOM action sends the client's own text as `action`.
ACTION_NAMES: Final = {
    OrderActionType.CONFIRM_ORDER: "ConfirmOrder",
    OrderActionType.CONFIRM_SHIPMENT: "ConfirmShipment",
    OrderActionType.CONFIRM_DELIVERY: "ConfirmDelivery",
    OrderActionType.CONFIRM_CANCELLATION: "ConfirmCancellation",
    OrderActionType.CONFIRM_COMPLETION: "ConfirmCompletion",
}
