"""Every Engage v3 wire choice the vendor's documentation leaves open, in one place.

Each choice names the section of `shared/vendor-docs/engage-v3.md` it follows and matches the
table in `docs/vendor-assumptions.md`. A choice proven wrong against the real API is corrected
here (and in that table), nowhere else.
"""

from __future__ import annotations

from typing import Final

# §1: the key header is documented; its failure answer is not. We answer 401 problem+json.
API_KEY_HEADER: Final = "apikey"
UNAUTHORIZED_DETAIL: Final = "The apikey header is missing or not valid."

# §1: User-Agent is mandatory ("System/Version"); the failure answer is ours: 400 problem.
USER_AGENT_MISSING: Final = "UserAgentMissing"

# §1 (documented): a request without `Content-Type: application/json` gets HTTP 500 with a
# generic message, GET included.
CONTENT_TYPE_ERROR_BODY: Final = {"message": "An error has occurred."}
REQUIRED_MEDIA_TYPE: Final = "application/json"

# §1, §8: the order the gate checks run in is not documented. Authentication first (a rate limit
# is per key, so the key must be known), then the per-key rate limit, then the header rules.
GATE_ORDER: Final = ("apikey", "rate_limit", "user_agent", "content_type")

# §8: limits are per key; above the ceiling Engage answers 429. No Retry-After is documented;
# we send one (whole seconds until the window frees, at least 1).
RATE_LIMIT_WINDOW_S: Final = 1.0
TOO_MANY_REQUESTS: Final = "TooManyRequests"

# §6: no error body is documented. We answer RFC 7807 problem+json with an `errorCode` and, for
# validation, `errors: [{field, code, message}]` where `field` is a dotted path into the JSON.
PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
ERROR_CODE_KEY: Final = "errorCode"
VALIDATION_FAILED: Final = "ValidationFailed"
INVALID_JSON: Final = "InvalidJson"
PAYLOAD_TOO_LARGE: Final = "PayloadTooLarge"
MAX_BODY_BYTES: Final = 1024 * 1024
# Ours: JSON nested deeper than this is refused as InvalidJson (real documents nest ~5 levels;
# the limit keeps stored data serialisable).
MAX_JSON_DEPTH: Final = 64

# §6: per-field error codes inside `errors[]`.
FIELD_REQUIRED: Final = "Required"
FIELD_INVALID_TYPE: Final = "InvalidType"
FIELD_INVALID_VALUE: Final = "InvalidValue"
FIELD_TOO_LONG: Final = "TooLong"
FIELD_MISMATCH: Final = "Mismatch"

# §2.1: paging parameter names follow Engage v2 lists (offset + count); the page shape mirrors
# v2's InteractionPage plus a totalCount. Links are absolute URLs a client follows verbatim.
DEFAULT_PAGE_COUNT: Final = 10
MAX_PAGE_COUNT: Final = 100
INVALID_CONTACT_ID: Final = "InvalidContactId"
INVALID_PAGING: Final = "InvalidPaging"

# §2.2: the docs say "201 Accepted" in one place and 202 in the process description; we answer
# 202 with the job body and `Location` set to the job URL.
ACCEPTED_STATUS: Final = 202

# §5: job fields and states beyond jobId/status/orderId/href are ours.
JOB_PENDING: Final = "Pending"
JOB_PROCESSING: Final = "Processing"
JOB_COMPLETED: Final = "Completed"
JOB_COMPLETED_WITH_ERRORS: Final = "CompletedWithErrors"
JOB_FAILED: Final = "Failed"
JOB_STATES: Final = (
    JOB_PENDING,
    JOB_PROCESSING,
    JOB_COMPLETED,
    JOB_COMPLETED_WITH_ERRORS,
    JOB_FAILED,
)
JOB_FINAL_STATES: Final = (JOB_COMPLETED, JOB_COMPLETED_WITH_ERRORS, JOB_FAILED)
JOB_OPERATIONS: Final = ("Create", "Replace", "Delete", "ChangeStatus", "ChangeDelivery", "Action")

# §2.6: a finished job answers 302 to the order *and* carries the job body, so a client that does
# not follow redirects still reads the versionTag. A finished delete has nothing to redirect to:
# 200 with the job body. An unknown job: 404 JobNotFound.
JOB_NOT_FOUND: Final = "JobNotFound"

# §2.2, §2.6: a create that lost the race to another create for the same orderId; the job ends
# Failed and its status endpoint answers 409. Other failed jobs answer 422.
ORDER_ALREADY_EXISTS: Final = "OrderAlreadyExists"
JOB_FAILED_STATUS: Final = 422

# §2.2, §7: the contact of an order is resolved while the job runs; no match ends the job
# CompletedWithErrors with this warning, and the order is stored without a contact.
CONTACT_MISSING: Final = ("ContactMissing", "Contact is missing")
# §2.2: unknown SKUs and stores are warnings; the job still completes.
ARTICLE_MISSING: Final = ("ArticleMissing", "Article is missing")
STORE_MISSING: Final = ("StoreMissing", "Store is missing")
# §3.4 / seed 002: an embedded action that cannot be applied (no contact) is discarded.
ORDER_ACTION_DISCARDED: Final = ("OrderActionDiscarded", "Order action was discarded")

# §2.3-§2.5: PUT does not upsert; unknown orders answer 404 OrderNotFound. GET with a contactId
# the order is not linked to answers the same 404.
ORDER_NOT_FOUND: Final = "OrderNotFound"
ORDER_ID_MISMATCH: Final = "OrderIdMismatch"

# §2.7, §4: action answers.
VERSION_TAG_MISMATCH: Final = "VersionTagMismatch"
ORDER_HAS_NO_CONTACT: Final = "OrderHasNoContact"

# §3.1: opaque base64 version token, new for every processed version. We encode an 8-byte
# counter the way a SQL rowversion is usually shown (e.g. "AAAAAAAAB9E=").
VERSION_TAG_BYTES: Final = 8

# §3.1: enum sets. The docs show PascalCase; §10.7 says clients send both cases, so every enum
# is compared case-insensitively and stored in its canonical spelling.
ORDER_STATUSES: Final = ("InProgress", "Completed", "Cancelled")
LINE_TYPES: Final = ("Purchase", "Return")
RETURN_TYPES: Final = ("Normal", "Complaint", "Change")
MATCH_KEY_TYPES: Final = (
    "Email",
    "MobilePhone",
    "ExternalId",
    "ContactId",
    "SocialSecurityNumber",
    "CardId",
    "MemberNumber",
)
# §4: documented action names; the docs also call the action client-chosen text, so any
# non-empty string is accepted (a Custom action's own text is sent as `action`).
KNOWN_ACTIONS: Final = (
    "ConfirmOrder",
    "ConfirmShipment",
    "ConfirmDelivery",
    "ConfirmCancellation",
    "ConfirmCompletion",
    "Custom",
)

# §3.1: requiredness the docs leave open. `externalStoreId` is optional here (an unknown one is
# a StoreMissing warning); `createdAt` is required; `lineItems.items` needs at least one line.
REQUIRED_ORDER_FIELDS: Final = (
    "orderId",
    "contact",
    "status",
    "currencyCode",
    "createdAt",
    "lineItems",
    "totalPrice",
)
# §3.1, §3.3: lengths are undocumented; bounds generous enough for real ids.
MAX_ID_LENGTH: Final = 128
MAX_TEXT_LENGTH: Final = 2048
MAX_RETURN_REASON_LENGTH: Final = 255  # §3.3, documented
# §1: dates are ISO 8601 with an offset (or Z); a date without one is rejected.
DATETIME_NEEDS_OFFSET: Final = True
# §3.3: quantity is positive; a return is a line of type Return, not a negative quantity.
QUANTITY_MUST_BE_POSITIVE: Final = True
# §3: fields the server computes; a client copy is ignored rather than rejected.
SERVER_FIELDS: Final = ("type", "versionTag", "contactId")

# §7: contacts/id look-ups.
CONTACT_NOT_FOUND: Final = "ContactNotFound"
MULTIPLE_MATCHES: Final = "MultipleMatches"
INVALID_EMAIL: Final = "InvalidEmailAddress"
INVALID_PHONE: Final = "InvalidPhoneNumber"
INVALID_SSN: Final = "InvalidSocialSecurityNumber"
INVALID_CONTACT_TYPE: Final = "InvalidContactType"
INVALID_SEARCH_QUERY: Final = "InvalidSearchQuery"
CONTACT_TYPES: Final = ("Member", "Contact")
# §7: `any` tries these in order and stops at the first kind the value validates as.
ANY_LOOKUP_ORDER: Final = ("email", "socialSecurityNumber", "mobilePhone", "customKey")
# §7: value formats the look-ups accept before searching (the vendor's exact rules are not
# documented): an address with one @ and a dot after it; 6-15 digits with an optional + once
# spaces, dashes and brackets are removed; a Swedish personal number (YYMMDD or YYYYMMDD, an
# optional - or +, four digits).
EMAIL_PATTERN: Final = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN: Final = r"^\+?\d{6,15}$"
SSN_PATTERN: Final = r"^(\d{6}|\d{8})[-+]?\d{4}$"
# §3.1, §7: an order whose contact block matches more than one contact is linked to none
# (ContactMissing), as Engage cannot know which one was meant.
AMBIGUOUS_CONTACT_RESOLVES: Final = False
# §2.1: the order of a contact's orders is not documented: newest createdAt first, then orderId.
LIST_NEWEST_FIRST: Final = True
# §7: customKey is memberNumber or externalId depending on the tenant; the sandbox uses externalId.
CUSTOM_KEY_ATTRIBUTE: Final = "externalId"
