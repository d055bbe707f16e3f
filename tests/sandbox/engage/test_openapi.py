"""`/openapi.json` is a valid OpenAPI document describing exactly the routes the emulator serves."""

from __future__ import annotations

import httpx
from openapi_spec_validator import validate
from starlette.routing import Mount, Route

from sandbox.engage.app import create_app
from tests.support.servers import LoopbackServer, serve

UNDOCUMENTED = {"/openapi.json"}


def test_served_document_validates(shared_engage: LoopbackServer) -> None:
    answer = httpx.get(f"{shared_engage.url}/openapi.json", timeout=5)
    assert answer.status_code == 200
    document = answer.json()
    validate(document)
    assert document["components"]["securitySchemes"]["apikey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "apikey",
    }
    assert document["security"] == [{"apikey": []}]


def test_every_vendor_route_is_documented_and_nothing_else() -> None:
    app = create_app()
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route)
        and not isinstance(route, Mount)
        and route.path not in UNDOCUMENTED
        for method in (route.methods or ())
        if method != "HEAD"
    }
    with serve(app) as srv:
        paths = httpx.get(f"{srv.url}/openapi.json", timeout=5).json()["paths"]
    described = {(path, method) for path, ops in paths.items() for method in ops}
    assert served == described


def test_get_order_404_has_no_body_schema(shared_engage: LoopbackServer) -> None:
    paths = httpx.get(f"{shared_engage.url}/openapi.json", timeout=5).json()["paths"]
    not_found = paths["/api/v3/orders/{orderId}"]["get"]["responses"]["404"]
    assert "content" not in not_found


def test_every_operation_documents_the_gate_answers(shared_engage: LoopbackServer) -> None:
    paths = httpx.get(f"{shared_engage.url}/openapi.json", timeout=5).json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status in ("400", "401", "429", "500"):
                assert status in operation["responses"], (method, path, status)
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
