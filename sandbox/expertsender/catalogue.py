"""Settings look-ups: the attribute catalogues and customer consents of the business unit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.expertsender import inferred
from sandbox.expertsender.inferred import AttributeDefinition
from sandbox.expertsender.problems import json_response
from sandbox.expertsender.settings import ExpertSenderSandboxSettings

Endpoint = Callable[[Request], Awaitable[Response]]


def _listing(items: list[dict[str, Any]]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return json_response({"data": items})

    return endpoint


def _definitions(catalogue: tuple[AttributeDefinition, ...]) -> list[dict[str, Any]]:
    return [asdict(d) for d in catalogue]


def catalogue_routes(settings: ExpertSenderSandboxSettings) -> list[Route]:
    return [
        Route(
            "/orderattributes",
            _listing(_definitions(settings.order_attributes)),
            methods=["GET"],
            name="order_attributes",
        ),
        Route(
            "/productattributes",
            _listing(_definitions(settings.product_attributes)),
            methods=["GET"],
            name="product_attributes",
        ),
        Route(
            "/customerattributes",
            _listing(_definitions(settings.customer_attributes)),
            methods=["GET"],
            name="customer_attributes",
        ),
        Route(
            "/customerconsents",
            _listing([dict(c) for c in inferred.CUSTOMER_CONSENTS]),
            methods=["GET"],
            name="customer_consents",
        ),
    ]
