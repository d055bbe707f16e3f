"""The ExpertSender CDP emulator as one Starlette app: ``create_app(settings)``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.control import SandboxApp, SandboxControl
from sandbox.expertsender import answers, demo, inferred
from sandbox.expertsender.auth import ApiKeyMiddleware
from sandbox.expertsender.catalogue import catalogue_routes
from sandbox.expertsender.customers import CustomerEndpoints
from sandbox.expertsender.openapi import openapi_document
from sandbox.expertsender.orders import OrderEndpoints
from sandbox.expertsender.problems import json_response, problem
from sandbox.expertsender.settings import ExpertSenderSandboxSettings
from sandbox.expertsender.unit import BusinessUnit
from sandbox.rewrite import ProblemRewriter


def fault_response(status: int, retry_after_s: int | None) -> Response:
    """Injected 429/503 answers in the vendor's problem shape."""
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else None
    if status == 429:
        substatus, detail = inferred.SUBSTATUS_TOO_MANY_REQUESTS, "Too many requests."
    else:
        substatus, detail = inferred.SUBSTATUS_SERVICE_UNAVAILABLE, "Service unavailable."
    return problem(status, substatus, detail, "", headers=headers)


async def _route_miss(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException) and exc.status_code == 405:
        return problem(
            405,
            inferred.SUBSTATUS_METHOD_NOT_ALLOWED,
            inferred.MSG_METHOD_NOT_ALLOWED,
            request.url.path,
            headers=exc.headers,
        )
    return problem(
        404, inferred.SUBSTATUS_RESOURCE_NOT_FOUND, inferred.MSG_ROUTE_NOT_FOUND, request.url.path
    )


def create_app(settings: ExpertSenderSandboxSettings | None = None) -> Starlette:
    settings = settings or ExpertSenderSandboxSettings()
    unit = BusinessUnit(settings)
    if settings.seed_demo_data:
        demo.seed(unit.store)
    spec = openapi_document(settings)

    async def openapi(request: Request) -> Response:
        return json_response(spec)

    async def variants(request: Request) -> Response:
        return json_response(settings.variants.to_json())

    app = SandboxApp(
        control=SandboxControl.with_faults(settings.faults, fault_response=fault_response),
        control_extra=[Route("/variants", variants, methods=["GET"])],
        routes=[
            *OrderEndpoints(unit).routes(),
            *CustomerEndpoints(unit).routes(),
            *catalogue_routes(settings),
            Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False),
        ],
        middleware=[
            Middleware(ProblemRewriter, rewrite=answers.problem_rewrite(settings.variants)),
            Middleware(ApiKeyMiddleware, api_keys=settings.api_keys),
        ],
        exception_handlers={404: _route_miss, 405: _route_miss},
    )
    app.state.unit = unit
    return app
