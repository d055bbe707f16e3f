"""The Engage v3 order endpoints (§2 of the vendor note)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.control import SandboxJSONResponse, method_route, note_order_id
from sandbox.engage import answers, inferred
from sandbox.engage.bodies import BodyError, read_json
from sandbox.engage.jobs import JobRunner
from sandbox.engage.problems import problem, validation_problem
from sandbox.engage.store import EngageState
from sandbox.engage.validation import (
    FieldError,
    validate_action,
    validate_change_delivery,
    validate_change_status,
    validate_order,
)
from sandbox.segments import Route, url_segment
from sandbox.variants import Variants

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
Validator = Callable[[object], tuple[dict[str, Any], list[FieldError]]]


def base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def order_url(request: Request, order_id: str) -> str:
    return f"{base(request)}/api/v3/orders/{url_segment(order_id)}"


def job_url(request: Request, job_id: str) -> str:
    return f"{base(request)}/api/v3/orders/jobs/{url_segment(job_id)}"


def order_not_found(order_id: str) -> Response:
    return problem(404, inferred.ORDER_NOT_FOUND, f"Order {order_id} was not found.")


class OrderEndpoints:
    def __init__(self, state: EngageState, runner: JobRunner, variants: Variants) -> None:
        self.state = state
        self.runner = runner
        self.variants = variants

    def routes(self) -> list[Route]:
        return [
            method_route("/api/v3/orders", {"GET": self.list_orders, "POST": self.create_order}),
            Route("/api/v3/orders/jobs/{jobId}", self.get_job, methods=["GET"]),
            method_route(
                "/api/v3/orders/{orderId}",
                {"GET": self.get_order, "PUT": self.replace_order, "DELETE": self.delete_order},
            ),
            Route("/api/v3/orders/{orderId}/action", self.action, methods=["POST"]),
            Route("/api/v3/orders/{orderId}/change-status", self.change_status, methods=["POST"]),
            Route(
                "/api/v3/orders/{orderId}/change-delivery", self.change_delivery, methods=["POST"]
            ),
        ]

    def _accept(
        self, request: Request, operation: str, order_id: str, payload: dict[str, Any]
    ) -> Response:
        job = self.state.new_job(operation, order_id, payload)
        self.runner.submit(job)
        href = job_url(request, job.job_id)
        if operation == "Action":
            return answers.action_accepted(job, href, self.variants)
        return answers.accepted(job, href, self.variants)

    async def _body(self, request: Request, validator: Validator) -> dict[str, Any] | Response:
        try:
            raw = await read_json(request)
        except BodyError as exc:
            return exc.response
        body, errors = validator(raw)
        return validation_problem(errors) if errors else body

    async def list_orders(self, request: Request) -> Response:
        params = request.query_params
        contact_id = params.get("contactId", "")
        if not GUID.fullmatch(contact_id):
            return problem(
                400, inferred.INVALID_CONTACT_ID, "The contactId query parameter must be a GUID."
            )
        offset = _int_param(params.get("offset"), 0)
        count = _int_param(params.get("count"), inferred.DEFAULT_PAGE_COUNT)
        if (
            offset is None
            or offset < 0
            or count is None
            or not 1 <= count <= inferred.MAX_PAGE_COUNT
        ):
            return problem(
                400,
                inferred.INVALID_PAGING,
                f"offset must be >= 0 and count between 1 and {inferred.MAX_PAGE_COUNT}.",
            )
        contact = self.state.contact(contact_id)
        if contact is None:
            return problem(404, inferred.CONTACT_NOT_FOUND, f"Contact {contact_id} was not found.")
        owned = self.state.orders_of(contact.contact_id)
        page = owned[offset : offset + count]

        def link(rel: str, at: int) -> dict[str, str]:
            query = urlencode({"contactId": contact.contact_id, "offset": at, "count": count})
            return {"rel": rel, "href": f"{base(request)}/api/v3/orders?{query}", "method": "GET"}

        links = []
        if offset + count < len(owned):
            links.append(link("next", offset + count))
        if offset > 0:
            links.append(link("previous", max(0, offset - count)))
        return SandboxJSONResponse(
            {
                "items": [answers.listed_order(o.to_json(), self.variants) for o in page],
                "totalCount": len(owned),
                "links": links,
            }
        )

    async def create_order(self, request: Request) -> Response:
        body = await self._body(request, validate_order)
        if isinstance(body, Response):
            return body
        order_id = str(body["orderId"])
        note_order_id(request, order_id)
        if order_id in self.state.orders:
            return problem(409, inferred.ORDER_ALREADY_EXISTS, "Order already exists")
        return self._accept(request, "Create", order_id, body)

    async def get_order(self, request: Request) -> Response:
        order_id = request.path_params["orderId"]
        order = self.state.orders.get(order_id)
        wanted_contact = request.query_params.get("contactId")
        if order is None or (
            wanted_contact is not None
            and (order.contact_id or "").lower() != wanted_contact.lower()
        ):
            return order_not_found(order_id)
        return answers.order_answer(order.to_json(), self.variants)

    async def replace_order(self, request: Request) -> Response:
        order_id = request.path_params["orderId"]
        body = await self._body(request, lambda raw: validate_order(raw, order_id))
        if isinstance(body, Response):
            return body
        if order_id not in self.state.orders:
            return order_not_found(order_id)
        return self._accept(request, "Replace", order_id, body)

    async def delete_order(self, request: Request) -> Response:
        order_id = request.path_params["orderId"]
        if order_id not in self.state.orders:
            return order_not_found(order_id)
        return self._accept(request, "Delete", order_id, {})

    async def change_status(self, request: Request) -> Response:
        return await self._change(request, "ChangeStatus", validate_change_status)

    async def change_delivery(self, request: Request) -> Response:
        return await self._change(request, "ChangeDelivery", validate_change_delivery)

    async def _change(self, request: Request, operation: str, validator: Validator) -> Response:
        order_id = request.path_params["orderId"]
        body = await self._body(request, validator)
        if isinstance(body, Response):
            return body
        if order_id not in self.state.orders:
            return order_not_found(order_id)
        return self._accept(request, operation, order_id, body)

    async def action(self, request: Request) -> Response:
        order_id = request.path_params["orderId"]
        body = await self._body(request, validate_action)
        if isinstance(body, Response):
            return body
        order = self.state.orders.get(order_id)
        if order is None:
            return order_not_found(order_id)
        if body["versionTag"] != order.version_tag:
            return problem(
                404,
                inferred.VERSION_TAG_MISMATCH,
                "The versionTag does not match the current version of the order.",
            )
        if order.contact_id is None:
            return problem(422, inferred.ORDER_HAS_NO_CONTACT, "The order has no contact.")
        return self._accept(request, "Action", order_id, body)

    async def get_job(self, request: Request) -> Response:
        job_id = request.path_params["jobId"]
        job = self.state.jobs.get(job_id)
        if job is None:
            return problem(404, inferred.JOB_NOT_FOUND, f"Job {job_id} was not found.")
        note_order_id(request, job.order_id)
        return answers.job_answer(
            job, job_url(request, job.job_id), order_url(request, job.order_id), self.variants
        )


def _int_param(raw: str | None, default: int) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None
