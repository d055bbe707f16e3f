"""The Orders endpoints: POST /orders, GET and DELETE /orders/{orderId}, PUT /orders/status."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sandbox.control import note_order_id
from sandbox.expertsender import answers, inferred
from sandbox.expertsender.body import BodyRejected, read_json
from sandbox.expertsender.fields import child, item
from sandbox.expertsender.models import StoredOrder
from sandbox.expertsender.problems import json_response, problem, validation_problem
from sandbox.expertsender.store import OrdersExist, OrdersMissing
from sandbox.expertsender.unit import BusinessUnit
from sandbox.expertsender.validation import (
    ValidationFailed,
    parse_status_change,
    parse_write_request,
)
from sandbox.segments import Route


class OrderEndpoints:
    def __init__(self, unit: BusinessUnit) -> None:
        self.unit = unit
        self.variants = unit.settings.variants

    def routes(self) -> list[Route]:
        return [
            Route("/orders", self.write, methods=["POST"]),
            Route("/orders/status", self.change_status, methods=["PUT"]),
            # One route for both methods, so a wrong method is answered with the full Allow.
            Route("/orders/{orderId}", self.get_or_delete, methods=["GET", "DELETE"]),
        ]

    async def get_or_delete(self, request: Request) -> Response:
        if request.method == "DELETE":
            return await self.delete(request)
        return await self.get(request)

    def _order_body(self, stored: StoredOrder) -> Response:
        data = stored.to_wire(self.unit.settings.unit_time_zone)
        return json_response(
            {"status": 0, "data": answers.order_data(data, stored.is_deleted, self.variants)}
        )

    def _not_found(self, order_id: str, instance: str) -> Response:
        return problem(
            404,
            inferred.SUBSTATUS_ORDER_NOT_FOUND,
            inferred.MSG_ORDER_NOT_FOUND.format(value=order_id),
            instance,
        )

    async def write(self, request: Request) -> Response:
        instance = request.url.path
        try:
            body = await read_json(
                request, self.unit.settings.max_body_bytes, inferred.SUBSTATUS_ORDER_INVALID
            )
            batch = parse_write_request(body, self.unit.rules)
        except BodyRejected as exc:
            return _rejected(exc, instance)
        except ValidationFailed as exc:
            return validation_problem(exc.errors, instance, inferred.SUBSTATUS_ORDER_INVALID)
        note_order_id(request, ",".join(o.id for o in batch.orders))
        try:
            self.unit.store.apply(batch)
        except OrdersExist as exc:
            errors = [
                inferred.error_string(
                    child(item("data", i), "id"), inferred.MSG_ALREADY_EXISTS.format(value=oid)
                )
                for i, oid in exc.ids
            ]
            return problem(
                400,
                inferred.SUBSTATUS_ORDER_EXISTS,
                "; ".join(errors),
                instance,
                errors=errors,
            )
        except OrdersMissing as exc:
            errors = [
                inferred.error_string(
                    child(item("data", i), "id"), inferred.MSG_ORDER_NOT_FOUND.format(value=oid)
                )
                for i, oid in exc.ids
            ]
            return problem(
                404,
                inferred.SUBSTATUS_ORDER_NOT_FOUND,
                "; ".join(errors),
                instance,
                errors=errors,
            )
        return answers.created([o.id for o in batch.orders], self.variants)

    async def change_status(self, request: Request) -> Response:
        instance = request.url.path
        try:
            body = await read_json(
                request, self.unit.settings.max_body_bytes, inferred.SUBSTATUS_ORDER_INVALID
            )
            change = parse_status_change(body)
        except BodyRejected as exc:
            return _rejected(exc, instance)
        except ValidationFailed as exc:
            return validation_problem(exc.errors, instance, inferred.SUBSTATUS_ORDER_INVALID)
        note_order_id(request, change.order_id)
        try:
            self.unit.store.change_status(change.order_id, change.status)
        except OrdersMissing:
            return self._not_found(change.order_id, instance)
        return answers.status_changed(self.variants)

    async def get(self, request: Request) -> Response:
        order_id = request.path_params["orderId"]
        stored = self.unit.store.get(order_id)
        if stored is None:
            return self._not_found(order_id, request.url.path)
        return self._order_body(stored)

    async def delete(self, request: Request) -> Response:
        order_id = request.path_params["orderId"]
        try:
            stored = self.unit.store.delete(order_id)
        except OrdersMissing:
            return self._not_found(order_id, request.url.path)
        return self._order_body(stored)


def _rejected(exc: BodyRejected, instance: str) -> Response:
    errors = [exc.message] if exc.status == 400 else None
    return problem(exc.status, exc.substatus, exc.message, instance, errors=errors)
