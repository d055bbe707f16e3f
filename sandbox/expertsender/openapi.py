"""The OpenAPI 3.0 document of what the emulator really answers, served at ``/openapi.json``.

Built from the settings, so the time-zone allow-list and the attribute catalogues in the schema
are the ones the running emulator checks against. Where the emulator is more lenient than the
schema (case-insensitive enum values), the schema shows the documented spelling. 404 answers
are described without a body schema on purpose: tools that turn typed error bodies into unions
would otherwise change every operation's result type.
"""

from __future__ import annotations

from typing import Any

from sandbox.expertsender import inferred
from sandbox.expertsender.settings import ExpertSenderSandboxSettings

Schema = dict[str, Any]

# A stricter subset of inferred.DATE_PATTERN: every string it admits is a real calendar date.
_DATE_SCHEMA_PATTERN = (
    r"^[12]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])"
    r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,7})?Z$"
)
_NON_BLANK = r"\S"


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Schema) -> Schema:
    # In OpenAPI 3.0 an enum limits every value, null included, so null must be listed too.
    if "enum" in schema:
        return {**schema, "nullable": True, "enum": [*schema["enum"], None]}
    return {**schema, "nullable": True}


def _text(max_len: int, min_len: int = 0) -> Schema:
    schema: Schema = {"type": "string", "maxLength": max_len}
    if min_len:
        schema["minLength"] = min_len
    return schema


def _int32(minimum: int = inferred.INT32_MIN) -> Schema:
    return {
        "type": "integer",
        "format": "int32",
        "minimum": minimum,
        "maximum": inferred.INT32_MAX,
    }


def _enum_spellings(values: tuple[str, ...]) -> list[str]:
    spellings: list[str] = []
    for value in values:
        for spelling in (value, value.capitalize()):
            if spelling not in spellings:
                spellings.append(spelling)
    return spellings


def _attribute(names: list[str]) -> Schema:
    name: Schema = _text(256, 1)
    if names:
        name = {**name, "enum": names}
    return {
        "type": "object",
        "required": ["name"],
        "properties": {"name": name, "value": _nullable({"type": "string"})},
    }


def _schemas(settings: ExpertSenderSandboxSettings) -> dict[str, Schema]:
    problem_props: Schema = {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "substatus": {"type": "string"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    }
    identifier = {"type": "string", "pattern": _NON_BLANK}
    return {
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "substatus", "detail", "instance"],
            "properties": problem_props,
        },
        "ValidationProblem": {
            "type": "object",
            "required": ["type", "title", "status", "substatus", "detail", "instance", "errors"],
            "properties": {
                **problem_props,
                "errors": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": 'Each "<path>: <message>", path into the request body.',
                },
            },
        },
        "OrderAttribute": _attribute([d.name for d in settings.order_attributes]),
        "ProductAttribute": _attribute([d.name for d in settings.product_attributes]),
        "OrderCustomer": {
            "type": "object",
            "description": "At least one non-blank identifier. Matched by email, then phone, "
            "then crmId; a customer is created when none matches.",
            "properties": {
                "email": _nullable(_text(320)),
                "phone": _nullable(_text(20)),
                "crmId": _nullable(_text(128)),
            },
            "anyOf": [
                {"required": [key], "properties": {key: identifier}}
                for key in inferred.CUSTOMER_MATCH_ORDER
            ],
        },
        "Product": {
            "type": "object",
            "required": ["id", "name", "price", "quantity"],
            "properties": {
                "id": _text(128, 1),
                "name": _text(2048, 1),
                "price": {"type": "number", "format": "double"},
                "quantity": _int32(0),
                "returned": _nullable(_int32(0)),
                "url": _nullable(_text(2048)),
                "imageUrl": _nullable(_text(2048)),
                "category": _nullable(_text(2048)),
                "productAttributes": _nullable(
                    {"type": "array", "items": _ref("ProductAttribute")}
                ),
            },
        },
        "Order": {
            "type": "object",
            "required": ["id", "date", "totalValue", "customer", "products"],
            "properties": {
                "id": _text(128, 1),
                "date": {
                    "type": "string",
                    "pattern": _DATE_SCHEMA_PATTERN,
                    "description": "UTC, ending in Z; 0-7 fractional digits.",
                },
                "timeZone": _nullable({**_text(100), "enum": sorted(settings.time_zones)}),
                "websiteId": _nullable(_int32()),
                "status": _nullable(
                    {
                        "type": "string",
                        "enum": _enum_spellings(inferred.STATUSES),
                        "description": "Read case-insensitively; stored lower-case.",
                    }
                ),
                "currency": _nullable(_text(3, 3)),
                "totalValue": {"type": "number", "format": "double", "minimum": 0},
                "returnsValue": _nullable({"type": "number", "format": "double", "minimum": 0}),
                "customer": _ref("OrderCustomer"),
                "products": {"type": "array", "items": _ref("Product")},
                "orderAttributes": _nullable({"type": "array", "items": _ref("OrderAttribute")}),
            },
        },
        "WriteOrders": {
            "type": "object",
            "required": ["mode", "data"],
            "properties": {
                "mode": {
                    "type": "string",
                    "enum": list(inferred.MODES),
                    "description": "Read case-insensitively.",
                },
                "data": {
                    "type": "array",
                    "minItems": 1,
                    "items": _ref("Order"),
                    "description": "Validated whole; any violation stores none of it. "
                    "An id may appear once per request.",
                },
            },
        },
        "StatusChange": {
            "type": "object",
            "required": ["orderId", "orderStatus"],
            "properties": {
                "orderId": _text(128, 1),
                "orderStatus": {"type": "string", "enum": _enum_spellings(inferred.STATUSES)},
                "websiteId": _nullable(_int32()),
            },
        },
        "Empty": {"type": "object"},
        "StoredOrder": {
            "type": "object",
            "required": [
                "id",
                "date",
                "timeZone",
                "customer",
                "products",
                "orderAttributes",
                inferred.DELETED_FLAG,
            ],
            "properties": {
                "id": {"type": "string"},
                "date": {"type": "string"},
                "timeZone": {"type": "string"},
                "websiteId": _nullable({"type": "integer"}),
                "status": _nullable({"type": "string", "enum": list(inferred.STATUSES)}),
                "currency": _nullable({"type": "string"}),
                "totalValue": _nullable({"type": "number"}),
                "returnsValue": _nullable({"type": "number"}),
                "customer": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": {"type": "integer"},
                        "email": _nullable({"type": "string"}),
                        "phone": _nullable({"type": "string"}),
                        "crmId": _nullable({"type": "string"}),
                    },
                },
                "products": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "price", "quantity", "productAttributes"],
                        "properties": {
                            "id": {"type": "string"},
                            "name": {"type": "string"},
                            "price": {"type": "number"},
                            "quantity": {"type": "integer"},
                            "returned": _nullable({"type": "integer"}),
                            "url": _nullable({"type": "string"}),
                            "imageUrl": _nullable({"type": "string"}),
                            "category": _nullable({"type": "string"}),
                            "productAttributes": {"type": "array", "items": _ref("NameValue")},
                        },
                    },
                },
                "orderAttributes": {"type": "array", "items": _ref("NameValue")},
                inferred.DELETED_FLAG: {
                    "type": "boolean",
                    "description": "Soft-deleted by DELETE /orders/{orderId}.",
                },
            },
        },
        "NameValue": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "value": _nullable({"type": "string"})},
        },
        "OrderEnvelope": {
            "type": "object",
            "required": ["status", "data"],
            "properties": {"status": {"type": "integer"}, "data": _ref("StoredOrder")},
        },
        "Customer": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer"},
                "email": _nullable({"type": "string"}),
                "phone": _nullable({"type": "string"}),
                "crmId": _nullable({"type": "string"}),
                "firstName": _nullable({"type": "string"}),
                "lastName": _nullable({"type": "string"}),
            },
        },
        "CustomerEnvelope": {
            "type": "object",
            "required": ["data"],
            "properties": {"data": _ref("Customer")},
        },
        "AttributeDefinitions": {
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "type", "required"],
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "type": {"type": "string", "enum": list(inferred.ATTRIBUTE_TYPES)},
                            "required": {"type": "boolean"},
                        },
                    },
                }
            },
        },
        "Consents": {
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "type"],
                        "properties": {
                            "id": {"type": "integer"},
                            "name": {"type": "string"},
                            "type": {"type": "string"},
                        },
                    },
                }
            },
        },
    }


def _json(schema: str, description: str) -> Schema:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema)}},
    }


def _problem(schema: str, description: str) -> Schema:
    return {
        "description": description,
        "content": {inferred.PROBLEM_MEDIA_TYPE: {"schema": _ref(schema)}},
    }


_NOT_FOUND: Schema = {"description": "Not found (problem details; substatus names what)."}
_COMMON: dict[str, Schema] = {
    "401": _problem("Problem", "Missing or unknown x-api-key (substatus InvalidApiKey)."),
    "429": {
        **_problem("Problem", "Injected by /_sandbox/faults only (substatus TooManyRequests)."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    "503": _problem("Problem", "Injected by /_sandbox/faults only."),
}
_BODY_ERRORS: dict[str, Schema] = {
    "400": _problem("ValidationProblem", "Validation failed (substatus OrderInvalidModelState)."),
    "413": _problem("Problem", "Body larger than the cap (substatus RequestTooLarge)."),
    "415": _problem("Problem", "Content-Type is not application/json."),
}


def _body(schema: str) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _path_param(name: str, schema: Schema, description: str) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


def _customer_lookup(key: str, schema: Schema) -> Schema:
    responses: dict[str, Schema] = {
        "200": _json("CustomerEnvelope", "The customer."),
        "404": _NOT_FOUND,
        **_COMMON,
    }
    if key == "customerId":
        responses["400"] = _problem(
            "ValidationProblem", "The id is not a non-negative int32 number."
        )
    return {
        "get": {
            "operationId": f"getCustomerBy{key[0].upper()}{key[1:]}",
            "summary": f"Find a customer by {key}",
            "parameters": [_path_param(key, schema, f"The customer's {key}.")],
            "responses": responses,
        }
    }


def _listing(operation_id: str, schema: str, summary: str) -> Schema:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "responses": {"200": _json(schema, summary), **_COMMON},
        }
    }


def openapi_document(settings: ExpertSenderSandboxSettings) -> dict[str, Any]:
    order_id = _path_param(
        "orderId", {"type": "string", "minLength": 1, "maxLength": 128}, "The order id."
    )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ExpertSender CDP Orders (sandbox emulator)",
            "version": "1.0.0",
            "description": "Emulates the ECDP Orders API and the customer and settings look-ups "
            "it relies on. Inferred behaviour is listed in sandbox/expertsender/inferred.py. "
            "The /_sandbox/ control routes (counters, faults; no key) are not vendor API and "
            "are described in docs/vendor-assumptions.md.",
        },
        "servers": [{"url": "/"}],
        "security": [{"ApiKey": []}],
        "paths": {
            "/orders": {
                "post": {
                    "operationId": "writeOrders",
                    "summary": "Add, replace or add-or-replace orders",
                    "requestBody": _body("WriteOrders"),
                    "responses": {
                        "201": _json("Empty", "Every order in the batch stored."),
                        "400": _problem(
                            "ValidationProblem",
                            "Validation failed (OrderInvalidModelState) or, for Add, an id "
                            "already exists (OrderAlreadyExists). Nothing stored.",
                        ),
                        "404": {"description": "Replace named an order that does not exist."},
                        "413": _BODY_ERRORS["413"],
                        "415": _BODY_ERRORS["415"],
                        **_COMMON,
                    },
                }
            },
            "/orders/status": {
                "put": {
                    "operationId": "changeOrderStatus",
                    "summary": "Change the status of an order",
                    "requestBody": _body("StatusChange"),
                    "responses": {
                        "200": _json("Empty", "Status changed."),
                        **_BODY_ERRORS,
                        "404": _NOT_FOUND,
                        **_COMMON,
                    },
                }
            },
            "/orders/{orderId}": {
                "get": {
                    "operationId": "getOrder",
                    "summary": "Read an order (soft-deleted orders too)",
                    "parameters": [order_id],
                    "responses": {
                        "200": _json("OrderEnvelope", "The order."),
                        "404": _NOT_FOUND,
                        **_COMMON,
                    },
                },
                "delete": {
                    "operationId": "deleteOrder",
                    "summary": "Soft-delete an order",
                    "parameters": [order_id],
                    "responses": {
                        "200": _json("OrderEnvelope", "The order, now marked deleted."),
                        "404": _NOT_FOUND,
                        **_COMMON,
                    },
                },
            },
            "/customers/email/{email}": _customer_lookup("email", _text(320, 1)),
            "/customers/id/{customerId}": _customer_lookup(
                "customerId", {"type": "string", "pattern": "^[0-9]{1,9}$"}
            ),
            "/customers/phone/{phone}": _customer_lookup("phone", _text(20, 1)),
            "/customers/crmId/{crmId}": _customer_lookup("crmId", _text(128, 1)),
            "/orderattributes": _listing(
                "listOrderAttributes", "AttributeDefinitions", "Order attribute definitions"
            ),
            "/productattributes": _listing(
                "listProductAttributes", "AttributeDefinitions", "Product attribute definitions"
            ),
            "/customerattributes": _listing(
                "listCustomerAttributes", "AttributeDefinitions", "Customer attribute definitions"
            ),
            "/customerconsents": _listing("listCustomerConsents", "Consents", "Customer consents"),
        },
        "components": {
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": inferred.API_KEY_HEADER}
            },
            "schemas": _schemas(settings),
        },
    }
