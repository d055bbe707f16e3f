"""Customer look-ups: GET /customers/{email|id|phone|crmId}/{value}."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from sandbox.expertsender import inferred
from sandbox.expertsender.models import Customer
from sandbox.expertsender.problems import json_response, problem, validation_problem
from sandbox.expertsender.unit import BusinessUnit
from sandbox.segments import Route

Endpoint = Callable[[Request], Awaitable[Response]]

# Path segment and the identifier (also the path parameter) the store matches on.
LOOKUPS = (("email", "email"), ("phone", "phone"), ("crmId", "crmId"))


class CustomerEndpoints:
    def __init__(self, unit: BusinessUnit) -> None:
        self.unit = unit

    def routes(self) -> list[Route]:
        routes = [
            Route(f"/customers/{segment}/{{{param}}}", self._lookup(param), methods=["GET"])
            for segment, param in LOOKUPS
        ]
        routes.append(Route("/customers/id/{customerId}", self.by_id, methods=["GET"]))
        return routes

    def _found(self, customer: Customer | None, key: str, value: str, instance: str) -> Response:
        if customer is None:
            return problem(
                404,
                inferred.SUBSTATUS_CUSTOMER_NOT_FOUND,
                inferred.MSG_CUSTOMER_NOT_FOUND.format(key=key, value=value),
                instance,
            )
        return json_response({"data": customer.to_wire()})

    def _lookup(self, key: str) -> Endpoint:
        async def lookup(request: Request) -> Response:
            value = request.path_params[key]
            customer = self.unit.store.find_customer(key, value)
            return self._found(customer, key, value, request.url.path)

        lookup.__name__ = f"customer_by_{key}"
        return lookup

    async def by_id(self, request: Request) -> Response:
        raw = request.path_params["customerId"]
        # ASP.NET model binding answers 400 when an int route value does not parse.
        if not (raw.isascii() and raw.isdigit()) or int(raw) > inferred.INT32_MAX:
            error = inferred.error_string("id", f"The value '{raw}' is not valid.")
            return validation_problem(
                [error], request.url.path, inferred.SUBSTATUS_CUSTOMER_INVALID
            )
        customer = self.unit.store.customers.get(int(raw))
        return self._found(customer, "id", raw, request.url.path)
