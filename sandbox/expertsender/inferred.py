"""Every wire choice the ExpertSender CDP emulator makes where the vendor's pages are silent.

Each constant names the section of ``shared/vendor-docs/expertsender.md`` (the vendor note) it
follows, or ``seed`` for the vendor's own Orders page. ``docs/vendor-assumptions.md`` lists the
same choices for the adapter side. When the real API proves one of them wrong, it is corrected
here and nowhere else in the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

# --- Problem details (§4, seed) -------------------------------------------------------------

# §4: the only substatus seen verbatim is ``CustomerInvalidModelState``; the rest follow its
# ``<Entity><Problem>`` pattern and are guesses.
SUBSTATUS_ORDER_INVALID: Final = "OrderInvalidModelState"
SUBSTATUS_ORDER_EXISTS: Final = "OrderAlreadyExists"
SUBSTATUS_ORDER_NOT_FOUND: Final = "OrderNotFound"
SUBSTATUS_CUSTOMER_INVALID: Final = "CustomerInvalidModelState"
SUBSTATUS_CUSTOMER_NOT_FOUND: Final = "CustomerNotFound"
SUBSTATUS_INVALID_API_KEY: Final = "InvalidApiKey"
SUBSTATUS_TOO_MANY_REQUESTS: Final = "TooManyRequests"
# §5: only ever answered when a fault is injected; no vendor name known.
SUBSTATUS_SERVICE_UNAVAILABLE: Final = "ServiceUnavailable"
# §2 (Content-Type is a required header) + §4: no substatus known for these transport failures.
SUBSTATUS_UNSUPPORTED_MEDIA_TYPE: Final = "UnsupportedMediaType"
SUBSTATUS_REQUEST_TOO_LARGE: Final = "RequestTooLarge"
SUBSTATUS_RESOURCE_NOT_FOUND: Final = "ResourceNotFound"
SUBSTATUS_METHOD_NOT_ALLOWED: Final = "MethodNotAllowed"

# §4: the envelope is ASP.NET Core ProblemDetails, whose ``type`` is the RFC section of the status.
PROBLEM_TYPES: Final[dict[int, str]] = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
    413: "https://tools.ietf.org/html/rfc9110#section-15.5.14",
    415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    503: "https://tools.ietf.org/html/rfc9110#section-15.6.4",
}
PROBLEM_TITLES: Final[dict[int, str]] = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    503: "Service Unavailable",
}
PROBLEM_MEDIA_TYPE: Final = "application/problem+json"


# §4: WOO joins ``errors`` with newlines, so they are strings; each names the path into the
# request body it is about, ``"<path>: <message>"`` (``data[0].products[1].name``).
def error_string(path: str, message: str) -> str:
    return f"{path}: {message}"


# §4: the path of a problem with the body as a whole (ASP.NET names the JSON root ``$``).
BODY_ROOT_PATH: Final = "$"

# §4: ASP.NET DataAnnotations wording, so messages read like the vendor's validation layer.
MSG_REQUIRED: Final = "The {field} field is required."
MSG_LENGTH: Final = (
    "The field {field} must be a string with a minimum length of {min}"
    " and a maximum length of {max}."
)
MSG_MIN_LENGTH: Final = "The field {field} must be a string with a minimum length of {min}."
MSG_EXACT_LENGTH: Final = "The field {field} must be a string of exactly {length} characters."
MSG_RANGE: Final = "The field {field} must be between {min} and {max}."
MSG_MINIMUM: Final = "The field {field} must be greater than or equal to {min}."
MSG_TYPE: Final = "The JSON value could not be converted to {type}."
MSG_ENUM: Final = "The value '{value}' is not valid for {field}. Allowed values: {allowed}."
MSG_DATE: Final = (
    "The field {field} must be an ISO 8601 UTC date-time such as 2024-11-06T10:10:00.055Z."
)
MSG_TIME_ZONE: Final = "The time zone '{value}' is not supported."
MSG_UNKNOWN_ATTRIBUTE: Final = "The attribute '{value}' is not defined in the {kind} settings."
MSG_MISSING_ATTRIBUTE: Final = "The attribute '{value}' is required by the {kind} settings."
MSG_ATTRIBUTE_VALUE: Final = "The value of attribute '{name}' must be {expected}."
MSG_NO_IDENTIFIER: Final = "The customer must carry at least one identifier: email, phone or crmId."
MSG_DUPLICATE_ID: Final = "The order id '{value}' appears more than once in this request."
MSG_MIN_ITEMS: Final = "The field {field} must contain at least one element."
MSG_INVALID_JSON: Final = "The request body is not valid JSON."
MSG_ALREADY_EXISTS: Final = "An order with id '{value}' already exists."
MSG_ORDER_NOT_FOUND: Final = "No order with id '{value}' exists."
MSG_CUSTOMER_NOT_FOUND: Final = "No customer with {key} '{value}' exists."
MSG_BAD_API_KEY: Final = "The x-api-key header is missing or not valid for any business unit."
MSG_MEDIA_TYPE: Final = "The request body must be sent with Content-Type: application/json."
MSG_TOO_LARGE: Final = "The request body exceeds {limit} bytes."
MSG_ROUTE_NOT_FOUND: Final = "No resource exists at this path."
MSG_METHOD_NOT_ALLOWED: Final = "This method is not supported on this path."

# --- POST /orders (§2, §3, seed) --------------------------------------------------------------

# §3: every element of ``data`` is checked before anything is stored; any violation answers 400
# for the whole request and stores none of it.
ATOMIC_BATCH: Final = True

# §3: 201 body is undocumented; an empty JSON object is what ASP.NET's ``Created`` with no value
# gives a client that always parses JSON.
CREATED_BODY: Final[dict[str, Any]] = {}
# §9 (MAG checks for 200 on PUT /orders/status): body undocumented, same reasoning.
STATUS_CHANGED_BODY: Final[dict[str, Any]] = {}

# seed: ``mode`` is a .NET enum, whose JSON converter reads names case-insensitively.
MODES: Final = ("Add", "AddOrReplace", "Replace")

# seed: status values as documented; the seed example itself sends ``Completed``, so they are
# read case-insensitively and stored lower-case.
STATUSES: Final = ("placed", "paid", "completed", "canceled")
# §9: MAG sends ``websiteId`` with a status change when one is configured; its type is checked,
# its value is not compared with the order's (nothing says what a mismatch would do).
STATUS_CHANGE_CHECKS_WEBSITE_ID: Final = False
# §9: ids are path segments; a ``%2F`` is decoded before routing, so an id containing ``/``
# cannot be read or deleted through ``/orders/{orderId}`` (404 ResourceNotFound).
ORDER_ID_SLASH_ADDRESSABLE: Final = False
# §2 (MAG never sends status in POST): an order written without one has no status until
# PUT /orders/status sets it.
DEFAULT_STATUS: Final[str | None] = None

# §2: ``totalValue`` is required on the older page and optional on the newer one; required here.
TOTAL_VALUE_REQUIRED: Final = True

# §3: within one request an id may appear once; the file import skips repeats, the API says nothing.
REJECT_DUPLICATE_IDS_IN_BATCH: Final = True

# §10.5: ISO 8601 in UTC with ``Z``, fractional seconds optional, at most 7 digits (.NET ticks).
DATE_PATTERN: Final = r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z$"

# seed + §2: limits are .NET string lengths, i.e. UTF-16 code units (an emoji counts twice).
LENGTH_UNIT: Final = "utf-16"

INT32_MAX: Final = 2_147_483_647
INT32_MIN: Final = -2_147_483_648

# §2: ``customer`` identifiers. The unit matches customers by email; an order without an email is
# matched by phone, then by crmId. Only the first identifier present is used, so guest orders that
# all carry ``crmId: "0"`` (MAG) next to distinct emails are not merged into one customer.
CUSTOMER_MATCH_ORDER: Final = ("email", "phone", "crmId")
# §7: email comparison ignores case, as mailbox providers do in practice.
EMAIL_MATCH_CASE_INSENSITIVE: Final = True
# §7: an order whose identifiers match nobody creates a customer from them and links to it
# (store.Store.customer_for); nothing is configurable about that.
# §9: GET /orders/{id} shows ``customer.id`` of the linked customer next to the identifiers the
# order was written with (not the customer's current ones), so what was written reads back.
ORDER_CUSTOMER_SHOWS_WRITTEN_IDENTIFIERS: Final = True
# §8: internal customer ids are numeric; the first one the emulator mints.
FIRST_CUSTOMER_ID: Final = 1001

# --- Soft delete (§9) -------------------------------------------------------------------------

# §9: a deleted order is kept and still answers 200 on GET, with this flag (our addition).
DELETED_FLAG: Final = "isDeleted"
# §9: a Replace or AddOrReplace of a deleted order brings it back; Add still sees it as existing.
REPLACE_RESTORES_DELETED: Final = True

# --- Time zones (§6) --------------------------------------------------------------------------

# §6: the official list was not retrievable; both plugins send ``UTC`` and WOO stopped sending
# ``GMT``, which fits the Windows (.NET ``TimeZoneInfo``) ids, so those are the allow-list.
TIME_ZONES: Final[frozenset[str]] = frozenset(
    {
        "Dateline Standard Time", "UTC-11", "Aleutian Standard Time", "Hawaiian Standard Time",
        "Marquesas Standard Time", "Alaskan Standard Time", "UTC-09",
        "Pacific Standard Time (Mexico)", "UTC-08", "Pacific Standard Time",
        "US Mountain Standard Time", "Mountain Standard Time (Mexico)", "Mountain Standard Time",
        "Yukon Standard Time", "Central America Standard Time", "Central Standard Time",
        "Easter Island Standard Time", "Central Standard Time (Mexico)",
        "Canada Central Standard Time", "SA Pacific Standard Time",
        "Eastern Standard Time (Mexico)", "Eastern Standard Time", "Haiti Standard Time",
        "Cuba Standard Time", "US Eastern Standard Time", "Turks And Caicos Standard Time",
        "Paraguay Standard Time", "Atlantic Standard Time", "Venezuela Standard Time",
        "Central Brazilian Standard Time", "SA Western Standard Time", "Pacific SA Standard Time",
        "Newfoundland Standard Time", "Tocantins Standard Time", "E. South America Standard Time",
        "SA Eastern Standard Time", "Argentina Standard Time", "Greenland Standard Time",
        "Montevideo Standard Time", "Magallanes Standard Time", "Saint Pierre Standard Time",
        "Bahia Standard Time", "UTC-02", "Mid-Atlantic Standard Time", "Azores Standard Time",
        "Cape Verde Standard Time", "UTC", "GMT Standard Time", "Greenwich Standard Time",
        "Sao Tome Standard Time", "Morocco Standard Time", "W. Europe Standard Time",
        "Central Europe Standard Time", "Romance Standard Time",
        "Central European Standard Time", "W. Central Africa Standard Time",
        "Jordan Standard Time", "GTB Standard Time", "Middle East Standard Time",
        "Egypt Standard Time", "E. Europe Standard Time", "Syria Standard Time",
        "West Bank Standard Time", "South Africa Standard Time", "FLE Standard Time",
        "Israel Standard Time", "South Sudan Standard Time", "Kaliningrad Standard Time",
        "Sudan Standard Time", "Libya Standard Time", "Namibia Standard Time",
        "Arabic Standard Time", "Turkey Standard Time", "Arab Standard Time",
        "Belarus Standard Time", "Russian Standard Time", "E. Africa Standard Time",
        "Volgograd Standard Time", "Iran Standard Time", "Arabian Standard Time",
        "Astrakhan Standard Time", "Azerbaijan Standard Time", "Russia Time Zone 3",
        "Mauritius Standard Time", "Saratov Standard Time", "Georgian Standard Time",
        "Caucasus Standard Time", "Afghanistan Standard Time", "West Asia Standard Time",
        "Qyzylorda Standard Time", "Ekaterinburg Standard Time", "Pakistan Standard Time",
        "India Standard Time", "Sri Lanka Standard Time", "Nepal Standard Time",
        "Central Asia Standard Time", "Bangladesh Standard Time", "Omsk Standard Time",
        "Myanmar Standard Time", "SE Asia Standard Time", "Altai Standard Time",
        "W. Mongolia Standard Time", "North Asia Standard Time", "N. Central Asia Standard Time",
        "Tomsk Standard Time", "China Standard Time", "North Asia East Standard Time",
        "Singapore Standard Time", "W. Australia Standard Time", "Taipei Standard Time",
        "Ulaanbaatar Standard Time", "Aus Central W. Standard Time", "Transbaikal Standard Time",
        "Tokyo Standard Time", "North Korea Standard Time", "Korea Standard Time",
        "Yakutsk Standard Time", "Cen. Australia Standard Time", "AUS Central Standard Time",
        "E. Australia Standard Time", "AUS Eastern Standard Time", "West Pacific Standard Time",
        "Tasmania Standard Time", "Vladivostok Standard Time", "Lord Howe Standard Time",
        "Bougainville Standard Time", "Russia Time Zone 10", "Magadan Standard Time",
        "Norfolk Standard Time", "Sakhalin Standard Time", "Central Pacific Standard Time",
        "Russia Time Zone 11", "New Zealand Standard Time", "UTC+12", "Fiji Standard Time",
        "Kamchatka Standard Time", "Chatham Islands Standard Time", "UTC+13",
        "Tonga Standard Time", "Samoa Standard Time", "Line Islands Standard Time",
    }
)  # fmt: skip
# §6: an order without ``timeZone`` is read in the business unit's zone, and reads back with it.
UNIT_TIME_ZONE: Final = "UTC"

# --- Attribute catalogue (§2, §8) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttributeDefinition:
    """One order, product or customer attribute defined in the unit's settings."""

    id: int
    name: str
    type: str = "String"
    required: bool = False


# §2 (DOC-SET-ORD): data types a unit can give an attribute; values are sent as JSON strings and
# checked against the type.
ATTRIBUTE_TYPES: Final = ("String", "Text", "Integer", "Date", "Url")
# §2: names must match a defined attribute exactly; unknown names and missing required ones → 400.
ATTRIBUTE_NAMES_CASE_SENSITIVE: Final = True
# §2 (DOC-SET-ORD): at most 10 order and 10 product attributes per unit.
MAX_ATTRIBUTES_PER_KIND: Final = 10

# seed: the Orders page's example uses "Shipping Method" and "Gift Wrap" (order) and "Color" and
# "Warranty" (product); the rest make a plausible small shop.
ORDER_ATTRIBUTES: Final[tuple[AttributeDefinition, ...]] = (
    AttributeDefinition(1, "Shipping Method"),
    AttributeDefinition(2, "Gift Wrap"),
    AttributeDefinition(3, "Coupon Code"),
    AttributeDefinition(4, "Delivery Date", "Date"),
    AttributeDefinition(5, "Loyalty Points", "Integer"),
)
PRODUCT_ATTRIBUTES: Final[tuple[AttributeDefinition, ...]] = (
    AttributeDefinition(1, "Color"),
    AttributeDefinition(2, "Warranty"),
    AttributeDefinition(3, "Size"),
    AttributeDefinition(4, "Material"),
    AttributeDefinition(5, "Manual", "Url"),
)
# §8: GET /customerattributes and /customerconsents answer ``{data:[{id,name,type}]}``.
CUSTOMER_ATTRIBUTES: Final[tuple[AttributeDefinition, ...]] = (
    AttributeDefinition(1, "firstName"),
    AttributeDefinition(2, "lastName"),
    AttributeDefinition(3, "dateOfBirth", "Date"),
    AttributeDefinition(4, "Favourite Store"),
)
CUSTOMER_CONSENTS: Final[tuple[dict[str, Any], ...]] = (
    {"id": 1, "name": "Email newsletter", "type": "SingleOptIn"},
    {"id": 2, "name": "SMS offers", "type": "DoubleOptIn"},
)

# --- Transport (§2, §10) ----------------------------------------------------------------------

# §2: no documented cap; 1 MiB keeps a runaway client from filling the emulator's memory.
MAX_BODY_BYTES: Final = 1024 * 1024
# §2 (DOC-HOWTO): bodies are JSON; any ``application/json`` parameters (charset) are accepted.
JSON_MEDIA_TYPES: Final = ("application/json",)
API_KEY_HEADER: Final = "x-api-key"
DEFAULT_API_KEY: Final = "sandbox-expertsender-key"
