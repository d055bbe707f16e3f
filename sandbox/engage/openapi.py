"""The OpenAPI 3.0 document of the Engage emulator: the vendor API exactly as emulated.

The schemas follow `validation.py` field by field (required fields, enums, lengths, nullability),
so data the document calls valid is accepted and every stored order reads back as documented.
The `/_sandbox/` control routes are not vendor API and are left out.
"""

from __future__ import annotations

from typing import Any

from sandbox.engage import inferred
from sandbox.engage.demo import CONTACTS

Schema = dict[str, Any]

NON_BLANK = r"\S"
# Ids in a URL path: one unencoded segment, never "." or "..".
PATH_ID = r"^[A-Za-z0-9][A-Za-z0-9._~-]*$"
GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def text(max_length: int = inferred.MAX_TEXT_LENGTH, *, required: bool = False) -> Schema:
    schema: Schema = {"type": "string", "maxLength": max_length}
    if required:
        schema["pattern"] = NON_BLANK
    return schema


def number(*, positive: bool = False) -> Schema:
    schema: Schema = {"type": "number"}
    if positive:
        schema.update(minimum=0, exclusiveMinimum=True)
    return schema


def obj(props: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    """An object whose optional properties may also be null (the emulator treats null as absent)."""
    properties = {}
    for name, schema in props.items():
        if name in required:
            properties[name] = schema
        elif "$ref" in schema:
            properties[name] = {"allOf": [schema], "nullable": True}
        elif "enum" in schema:
            # OpenAPI 3.0.3: `nullable` does not widen an enum; null must be listed.
            properties[name] = {**schema, "nullable": True, "enum": [*schema["enum"], None]}
        else:
            properties[name] = {**schema, "nullable": True}
    result: Schema = {"type": "object", "properties": properties}
    if required:
        result["required"] = list(required)
    return result


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


DATE_TIME: Schema = {"type": "string", "format": "date-time"}

SCHEMAS: dict[str, Schema] = {
    "FieldError": obj(
        {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
        ("field", "code", "message"),
    ),
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errorCode": {"type": "string"},
            "errors": array(ref("FieldError")),
        },
    },
    "ServerError": {
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string", "enum": ["An error has occurred."]}},
        "description": "The documented answer to a request without Content-Type: application/json.",
    },
    "JobMessage": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "field": {"type": "string"},
        },
    },
    "Job": {
        "type": "object",
        "required": [
            "jobId",
            "status",
            "orderId",
            "operation",
            "href",
            "warnings",
            "errors",
            "createdAt",
            "updatedAt",
        ],
        "properties": {
            "jobId": {"type": "string"},
            "status": {"type": "string", "enum": list(inferred.JOB_STATES)},
            "orderId": {"type": "string"},
            "operation": {"type": "string", "enum": list(inferred.JOB_OPERATIONS)},
            "href": {"type": "string", "format": "uri"},
            "versionTag": {"type": "string"},
            "warnings": array(ref("JobMessage")),
            "errors": array(ref("JobMessage")),
            "createdAt": DATE_TIME,
            "updatedAt": DATE_TIME,
            "completedAt": DATE_TIME,
        },
    },
    "JobFailure": {
        "description": "A failed job: a problem document carrying the job fields; `status` is "
        "the job state `Failed`.",
        "allOf": [
            ref("Job"),
            {
                "type": "object",
                "required": ["type", "title", "errorCode"],
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "detail": {"type": "string"},
                    "errorCode": {"type": "string"},
                    "status": {"type": "string", "enum": [inferred.JOB_FAILED]},
                },
            },
        ],
    },
    "ContactRef": obj(
        {
            "matchKey": text(required=True),
            "matchKeyType": {"type": "string", "enum": list(inferred.MATCH_KEY_TYPES)},
            "contactType": text(),
        },
        ("matchKey", "matchKeyType"),
    ),
    "Tax": obj(
        {"amount": number(), "percent": number(), "description": text()},
        ("amount",),
    ),
    "Discount": obj(
        {"type": text(), "description": text(), "amount": number()},
        ("amount",),
    ),
    "Article": obj(
        {
            "sku": text(inferred.MAX_ID_LENGTH, required=True),
            "name": text(),
            "description": text(),
            "imageUri": text(),
            "targetUri": text(),
        },
        ("sku",),
    ),
    "ReturnDetails": obj(
        {
            "type": {"type": "string", "enum": list(inferred.RETURN_TYPES)},
            "reason": text(inferred.MAX_RETURN_REASON_LENGTH),
        },
        ("type",),
    ),
    "LineItem": obj(
        {
            "id": text(inferred.MAX_ID_LENGTH),
            "type": {"type": "string", "enum": list(inferred.LINE_TYPES)},
            "externalStatus": text(),
            "quantity": number(positive=True),
            "article": ref("Article"),
            "discounts": array(ref("Discount")),
            "returnDetails": ref("ReturnDetails"),
            "pricePerUnit": number(),
            "originalPricePerUnit": number(),
            "totalPrice": number(),
            "originalTotalPrice": number(),
            "taxes": array(ref("Tax")),
        },
        ("quantity", "article", "totalPrice"),
    ),
    "LineItems": obj(
        {"items": array(ref("LineItem"), minItems=1), "subTotal": number()},
        ("items",),
    ),
    "MoneyItem": obj(
        {"type": text(), "description": text(), "reference": text(), "amount": number()},
        ("amount",),
    ),
    "FeeItem": obj(
        {
            "type": text(),
            "description": text(),
            "reference": text(),
            "amount": number(),
            "taxes": array(ref("Tax")),
        },
        ("amount",),
    ),
    "Payments": obj({"items": array(ref("MoneyItem")), "totalPaid": number()}),
    "Fees": obj({"items": array(ref("FeeItem")), "total": number()}),
    "Discounts": obj({"items": array(ref("MoneyItem")), "total": number()}),
    "Delivery": obj(
        {
            "method": text(),
            "trackingNumber": text(),
            "trackingUri": text(),
            "deliveryDate": {
                "type": "string",
                "maxLength": 64,
                "anyOf": [{"format": "date"}, {"format": "date-time"}],
            },
        }
    ),
    "Address": obj(
        {
            name: text()
            for name in (
                "title",
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
        }
    ),
    "EmbeddedOrderAction": obj(
        {
            "action": text(inferred.MAX_ID_LENGTH, required=True),
            "language": text(35),
            "data": {"description": "Any JSON value, passed to the automation."},
        },
        ("action",),
    ),
    "OrderInput": obj(
        {
            "orderId": text(inferred.MAX_ID_LENGTH, required=True),
            "contact": ref("ContactRef"),
            "externalStoreId": text(inferred.MAX_ID_LENGTH),
            "status": {"type": "string", "enum": list(inferred.ORDER_STATUSES)},
            "externalStatus": text(),
            "references": array({"type": "string"}),
            "currencyCode": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "channel": text(),
            "createdAt": {**DATE_TIME, "maxLength": 64},
            "lastChangedAt": {**DATE_TIME, "maxLength": 64},
            "lineItems": ref("LineItems"),
            "payments": ref("Payments"),
            "fees": ref("Fees"),
            "discounts": ref("Discounts"),
            "totalPrice": number(),
            "delivery": ref("Delivery"),
            "billingAddress": ref("Address"),
            "shippingAddress": ref("Address"),
            "orderAction": ref("EmbeddedOrderAction"),
        },
        inferred.REQUIRED_ORDER_FIELDS,
    ),
    "Order": {
        "description": "A stored order: the document last written plus server fields.",
        "allOf": [
            ref("OrderInput"),
            {
                "type": "object",
                "required": ["type", "versionTag", "contactId"],
                "properties": {
                    "type": {"type": "string", "enum": ["Purchase", "Return"]},
                    "versionTag": {"type": "string"},
                    "contactId": {"type": "string", "nullable": True},
                },
            },
        ],
    },
    "OrderPage": {
        "type": "object",
        "required": ["items", "totalCount", "links"],
        "properties": {
            "items": array(ref("Order")),
            "totalCount": {"type": "integer", "minimum": 0},
            "links": array(
                {
                    "type": "object",
                    "required": ["rel", "href", "method"],
                    "properties": {
                        "rel": {"type": "string", "enum": ["next", "previous"]},
                        "href": {"type": "string", "format": "uri"},
                        "method": {"type": "string", "enum": ["GET"]},
                    },
                }
            ),
        },
    },
    "ActionRequest": obj(
        {
            "action": text(inferred.MAX_ID_LENGTH, required=True),
            "versionTag": text(inferred.MAX_ID_LENGTH, required=True),
            "language": text(35),
            "data": {"description": "Any JSON value, passed to the automation."},
        },
        ("action", "versionTag"),
    ),
    "ChangeStatusRequest": {
        "type": "object",
        "description": "At least one of status and externalStatus.",
        "properties": {
            "status": {"type": "string", "enum": list(inferred.ORDER_STATUSES)},
            "externalStatus": text(),
            "orderAction": ref("EmbeddedOrderAction"),
        },
        "anyOf": [{"required": ["status"]}, {"required": ["externalStatus"]}],
    },
    "ChangeDeliveryRequest": {
        "type": "object",
        "description": "At least one delivery field.",
        "properties": {
            "method": text(),
            "trackingNumber": text(),
            "trackingUri": text(),
            "deliveryDate": {
                "type": "string",
                "maxLength": 64,
                "anyOf": [{"format": "date"}, {"format": "date-time"}],
            },
            "orderAction": ref("EmbeddedOrderAction"),
        },
        "anyOf": [
            {"required": ["method"]},
            {"required": ["trackingNumber"]},
            {"required": ["trackingUri"]},
            {"required": ["deliveryDate"]},
        ],
    },
    "Contact": {
        "type": "object",
        "required": ["id", "attributes", "meta", "preferences"],
        "properties": {
            "id": {"type": "string"},
            "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
            "meta": {
                "type": "object",
                "properties": {
                    "contactType": {"type": "string"},
                    "createdOn": {"type": "string", "format": "date-time"},
                },
            },
            "preferences": {"type": "object", "additionalProperties": {"type": "boolean"}},
        },
    },
}


def _json(schema: Schema, description: str, media_type: str = "application/json") -> Schema:
    return {"description": description, "content": {media_type: {"schema": schema}}}


def _problem(description: str) -> Schema:
    return _json(ref("Problem"), description, inferred.PROBLEM_MEDIA_TYPE)


LOCATION = {"Location": {"description": "URL of the job", "schema": {"type": "string"}}}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}

COMMON: dict[str, Schema] = {
    "400": _problem("Bad request: validation errors, or no User-Agent (UserAgentMissing)"),
    "401": _problem("The apikey header is missing or unknown"),
    "429": {**_problem("Rate limit for this API key exceeded"), "headers": RETRY_AFTER},
    "500": _json(ref("ServerError"), "The request had no Content-Type: application/json"),
}
BODY_ERRORS: dict[str, Schema] = {
    "413": _problem("The request body is larger than 1 MiB (PayloadTooLarge)"),
}
ACCEPTED: Schema = {**_json(ref("Job"), "Accepted; follow the job"), "headers": LOCATION}


def _params(*names: str) -> list[Schema]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _operation(
    summary: str,
    responses: dict[str, Schema],
    *,
    params: tuple[str, ...] = (),
    body: str | None = None,
    operation_id: str,
) -> Schema:
    op: Schema = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": _params("UserAgent", *params),
        "responses": {**COMMON, **(BODY_ERRORS if body else {}), **responses},
    }
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    return op


def _not_found(description: str) -> Schema:
    return _problem(description)


PARAMETERS: dict[str, Schema] = {
    "UserAgent": {
        "name": "User-Agent",
        "in": "header",
        "required": True,
        "description": "System/Version of the calling integration",
        "schema": {"type": "string", "pattern": NON_BLANK, "example": "AcmePOS/1.5"},
    },
    "OrderId": {
        "name": "orderId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": PATH_ID, "maxLength": inferred.MAX_ID_LENGTH},
        "example": "ENG-1001",
    },
    "JobId": {
        "name": "jobId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": PATH_ID, "maxLength": inferred.MAX_ID_LENGTH},
    },
    "ContactIdPath": {
        "name": "contactId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": GUID},
        "example": CONTACTS[0].contact_id,
    },
}


def _lookup_param(name: str, description: str) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


PATHS: dict[str, Schema] = {
    "/api/v3/orders": {
        "get": {
            **_operation(
                "Orders of one contact, newest first, paged",
                {
                    "200": _json(ref("OrderPage"), "One page of orders with next/previous links"),
                    "404": _not_found("Unknown contact (ContactNotFound)"),
                },
                operation_id="listOrders",
            ),
            "parameters": [
                *_params("UserAgent"),
                {
                    "name": "contactId",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                    "example": CONTACTS[0].contact_id,
                },
                {
                    "name": "offset",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 0, "default": 0},
                },
                {
                    "name": "count",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": inferred.MAX_PAGE_COUNT,
                        "default": inferred.DEFAULT_PAGE_COUNT,
                    },
                },
            ],
        },
        "post": _operation(
            "Create an order (asynchronous)",
            {"202": ACCEPTED, "409": _problem("An order with this orderId exists")},
            body="OrderInput",
            operation_id="createOrder",
        ),
    },
    "/api/v3/orders/{orderId}": {
        "get": {
            **_operation(
                "Read one order; with contactId, only if it belongs to that contact",
                {
                    "200": _json(ref("Order"), "The stored order"),
                    # Described without a body schema on purpose (the body is a problem).
                    "404": {"description": "Unknown order, or not linked to the contactId"},
                },
                params=("OrderId",),
                operation_id="getOrder",
            ),
        },
        "put": _operation(
            "Replace an order as a whole (asynchronous)",
            {"202": ACCEPTED, "404": _not_found("Unknown order (OrderNotFound)")},
            params=("OrderId",),
            body="OrderInput",
            operation_id="replaceOrder",
        ),
        "delete": _operation(
            "Delete an order (asynchronous)",
            {"202": ACCEPTED, "404": _not_found("Unknown order (OrderNotFound)")},
            params=("OrderId",),
            operation_id="deleteOrder",
        ),
    },
    "/api/v3/orders/jobs/{jobId}": {
        "get": _operation(
            "Status of an asynchronous change",
            {
                "200": _json(ref("Job"), "Still running, or a finished delete"),
                "302": {
                    **_json(ref("Job"), "Done; Location is the changed order"),
                    "headers": {
                        "Location": {
                            "description": "URL of the order",
                            "schema": {"type": "string"},
                        }
                    },
                },
                "404": _not_found("Unknown job (JobNotFound)"),
                "409": _json(
                    ref("JobFailure"),
                    "A create lost the race to another create (OrderAlreadyExists)",
                    inferred.PROBLEM_MEDIA_TYPE,
                ),
                "422": _json(ref("JobFailure"), "The job failed", inferred.PROBLEM_MEDIA_TYPE),
            },
            params=("JobId",),
            operation_id="getJob",
        ),
    },
    "/api/v3/orders/{orderId}/action": {
        "post": _operation(
            "Trigger an order action for the current version",
            {
                "202": ACCEPTED,
                "404": _not_found(
                    "Unknown order (OrderNotFound) or stale versionTag (VersionTagMismatch)"
                ),
                "422": _problem("The order has no contact (OrderHasNoContact)"),
            },
            params=("OrderId",),
            body="ActionRequest",
            operation_id="triggerAction",
        ),
    },
    "/api/v3/orders/{orderId}/change-status": {
        "post": _operation(
            "Change the status and/or external status (asynchronous)",
            {"202": ACCEPTED, "404": _not_found("Unknown order (OrderNotFound)")},
            params=("OrderId",),
            body="ChangeStatusRequest",
            operation_id="changeStatus",
        ),
    },
    "/api/v3/orders/{orderId}/change-delivery": {
        "post": _operation(
            "Change delivery method, tracking or date (asynchronous)",
            {"202": ACCEPTED, "404": _not_found("Unknown order (OrderNotFound)")},
            params=("OrderId",),
            body="ChangeDeliveryRequest",
            operation_id="changeDelivery",
        ),
    },
    "/api/v3/contacts/id": {
        "get": {
            **_operation(
                "Find a contact id by one key",
                {
                    "200": _json({"type": "string"}, "The contact id as a bare JSON string"),
                    "404": _not_found("No contact matches (ContactNotFound)"),
                    "409": _problem("More than one contact matches (MultipleMatches)"),
                },
                operation_id="findContactId",
            ),
            "parameters": [
                *_params("UserAgent"),
                _lookup_param("email", "Email address"),
                _lookup_param("mobilePhone", "Mobile phone number"),
                _lookup_param("socialSecurityNumber", "Personal identity number"),
                _lookup_param("customKey", "External id"),
                _lookup_param("any", "Tried as email, ssn, phone, custom key in turn"),
                {
                    "name": "contactType",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                },
            ],
        },
    },
    "/api/v3/contacts/{contactId}": {
        "get": _operation(
            "Read one contact",
            {
                "200": _json(ref("Contact"), "The contact"),
                "404": _not_found("Unknown contact (ContactNotFound)"),
            },
            params=("ContactIdPath",),
            operation_id="getContact",
        ),
    },
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Voyado Engage v3 Orders (order-gateway sandbox)",
            "version": "3.0.0-sandbox",
            "description": (
                "Emulator of the Engage v3 Orders API and the contact look-ups an orders "
                "integration uses. Every request needs the apikey, User-Agent and "
                "Content-Type: application/json headers (without the last, Engage answers 500). "
                "Writes are asynchronous: follow the job until it answers 302. Sandbox-only "
                "control routes live under /_sandbox/ (see docs/vendor-assumptions.md); they may "
                "inject 503, 429 and dropped connections."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"apikey": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "securitySchemes": {
                "apikey": {"type": "apiKey", "in": "header", "name": inferred.API_KEY_HEADER}
            },
        },
    }
