"""/openapi.json: a valid OpenAPI document that says what the emulator really does."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from sandbox.expertsender import ExpertSenderSandboxSettings, create_app
from sandbox.expertsender.openapi import openapi_document
from sandbox.expertsender.problems import problem

METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def spec(es_url: str) -> dict[str, Any]:
    response = httpx.get(es_url + "/openapi.json", timeout=10)  # no key needed
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    validate(spec)


def test_every_route_of_the_app_is_documented(spec: dict[str, Any]) -> None:
    app = create_app(ExpertSenderSandboxSettings(seed_demo_data=False))
    served = {
        (method.lower(), route.path)
        for route in app.routes
        if isinstance(route, Route) and route.include_in_schema
        for method in (route.methods or set()) - {"HEAD"}
    }
    documented = {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }
    assert served == documented


def test_api_key_security_scheme(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
    }
    assert spec["security"] == [{"ApiKey": []}]
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                assert "401" in operation["responses"]


def test_404s_have_no_body_schema(spec: dict[str, Any]) -> None:
    not_founds = [
        op["responses"]["404"]
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in METHODS and "404" in op["responses"]
    ]
    assert len(not_founds) >= 7
    assert all("content" not in response for response in not_founds)


def test_catalogue_names_and_time_zones_come_from_the_settings() -> None:
    settings = ExpertSenderSandboxSettings(time_zones=frozenset({"UTC", "Tokyo Standard Time"}))
    schemas = openapi_document(settings)["components"]["schemas"]
    zones = schemas["Order"]["properties"]["timeZone"]["enum"]
    assert zones == ["Tokyo Standard Time", "UTC", None]  # null: the field is optional
    names = schemas["OrderAttribute"]["properties"]["name"]["enum"]
    assert names == [d.name for d in settings.order_attributes]


def test_documented_problem_fields_match_real_problems(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["ValidationProblem"]
    body = orjson.loads(bytes(problem(400, "X", "d", "/i", errors=["e"]).body))
    assert set(schema["required"]) == set(body)
