"""How the realistic mix speaks to each server: this gateway's schema, or the schema GraphQL
Mesh composes from the Engage emulator's OpenAPI document (served by Hive Gateway).

Both read the same order fields (id and external status), the same contact page (10 orders,
id and external status each), and make the same write, the shop's most common one: a status
change carrying a new external status (``mix-<version>``, higher at every write); each follows
the write's job the way its schema allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PAGE_SIZE = 10
MARK = "mix-"
FINAL = {"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"}


@dataclass(frozen=True)
class JobState:
    id: str
    # None while running; COMPLETED, or what went wrong.
    state: str | None


def version_of(external_status: object) -> float:
    """The version a write left in the external status (0 before any)."""
    if isinstance(external_status, str) and external_status.startswith(MARK):
        return float(external_status[len(MARK) :])
    return 0.0


def mark(version: float) -> str:
    return f"{MARK}{int(version)}"


class Dialect:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan

    def read(self, order_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def totals_of_read(self, answer: dict[str, Any]) -> dict[str, float]:
        raise NotImplementedError

    def page(self, contact_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def totals_of_page(self, answer: dict[str, Any]) -> dict[str, float]:
        raise NotImplementedError

    def write(self, order_id: str, version: float) -> dict[str, Any]:
        raise NotImplementedError

    def job_of_write(self, answer: dict[str, Any]) -> JobState:
        raise NotImplementedError

    def job(self, job: JobState) -> dict[str, Any]:
        raise NotImplementedError

    def job_of_poll(self, job: JobState, answer: dict[str, Any]) -> JobState:
        raise NotImplementedError

    def job_error_means_done(self, error: str) -> bool:
        return False


class GatewayDialect(Dialect):
    READ = (
        "query R($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId externalStatus } }"
    )
    PAGE = (
        "query P($c: String!) { contact(vendor: ENGAGE, contactId: $c) { "
        f"orders(first: {PAGE_SIZE}) {{ edges {{ node {{ orderId externalStatus }} }} }} }} }}"
    )
    WRITE = (
        "mutation W($input: ChangeOrderStatusInput!) { changeOrderStatus(input: $input) { "
        "job { id state } errors { code message } } }"
    )
    JOB = "query J($id: ID!) { job(id: $id) { state } }"

    def read(self, order_id: str) -> dict[str, Any]:
        return {"query": self.READ, "variables": {"id": order_id}}

    def totals_of_read(self, answer: dict[str, Any]) -> dict[str, float]:
        order = (answer.get("data") or {}).get("order")
        return {order["orderId"]: version_of(order["externalStatus"])} if order else {}

    def page(self, contact_id: str) -> dict[str, Any]:
        return {"query": self.PAGE, "variables": {"c": contact_id}}

    def totals_of_page(self, answer: dict[str, Any]) -> dict[str, float]:
        contact = (answer.get("data") or {}).get("contact") or {}
        edges = (contact.get("orders") or {}).get("edges") or []
        return {e["node"]["orderId"]: version_of(e["node"]["externalStatus"]) for e in edges}

    def write(self, order_id: str, version: float) -> dict[str, Any]:
        change = {
            "vendor": "ENGAGE",
            "orderId": order_id,
            "status": "IN_PROGRESS",
            "externalStatus": mark(version),
        }
        return {"query": self.WRITE, "variables": {"input": change}}

    def job_of_write(self, answer: dict[str, Any]) -> JobState:
        payload = answer["data"]["changeOrderStatus"]
        if payload["errors"]:
            return JobState("", f"refused: {payload['errors'][0]['code']}")
        job = payload["job"]
        return JobState(job["id"], self._final(job["state"]))

    def job(self, job: JobState) -> dict[str, Any]:
        return {"query": self.JOB, "variables": {"id": job.id}}

    def job_of_poll(self, job: JobState, answer: dict[str, Any]) -> JobState:
        polled = (answer.get("data") or {}).get("job") or {}
        return JobState(job.id, self._final(polled.get("state", "")))

    @staticmethod
    def _final(state: str) -> str | None:
        return state if state in FINAL else None


class MeshDialect(Dialect):
    """Mesh types path parameters with scalars of its own making, so ids are written into the
    query text (as the single-read bench does); the order body goes in a variable."""

    WRITE = (
        "mutation W($input: ChangeStatusRequest_Input) { "
        "changeStatus(orderId: %(id)s, input: $input) { jobId status } }"
    )
    JOB_DONE = {"Completed": "COMPLETED", "CompletedWithErrors": "COMPLETED_WITH_ERRORS"}

    def read(self, order_id: str) -> dict[str, Any]:
        query = f"{{ getOrder(orderId: {_str(order_id)}) {{ orderId externalStatus }} }}"
        return {"query": query}

    def totals_of_read(self, answer: dict[str, Any]) -> dict[str, float]:
        order = (answer.get("data") or {}).get("getOrder")
        return {order["orderId"]: version_of(order.get("externalStatus"))} if order else {}

    def page(self, contact_id: str) -> dict[str, Any]:
        query = "{ listOrders(contactId: %s, count: %d) { items { orderId externalStatus } } }"
        return {"query": query % (_str(contact_id), PAGE_SIZE)}

    def totals_of_page(self, answer: dict[str, Any]) -> dict[str, float]:
        page = (answer.get("data") or {}).get("listOrders") or {}
        items = page.get("items") or []
        return {o["orderId"]: version_of(o.get("externalStatus")) for o in items}

    def write(self, order_id: str, version: float) -> dict[str, Any]:
        change = {"status": "InProgress", "externalStatus": mark(version)}
        return {"query": self.WRITE % {"id": _str(order_id)}, "variables": {"input": change}}

    def job_of_write(self, answer: dict[str, Any]) -> JobState:
        job = (answer.get("data") or {}).get("changeStatus") or {}
        return JobState(job.get("jobId", ""), self.JOB_DONE.get(job.get("status", "")))

    def job(self, job: JobState) -> dict[str, Any]:
        return {"query": f"{{ getJob(jobId: {_str(job.id)}) {{ status }} }}"}

    def job_of_poll(self, job: JobState, answer: dict[str, Any]) -> JobState:
        status = ((answer.get("data") or {}).get("getJob") or {}).get("status", "")
        if status == "Failed":
            return JobState(job.id, "FAILED")
        return JobState(job.id, self.JOB_DONE.get(status))

    def job_error_means_done(self, error: str) -> bool:
        # A finished job answers 302 to the changed order; Mesh follows the redirect and fails
        # to fit the order's status into its Job type (INTERNAL_SERVER_ERROR at getJob.status).
        # Only a finished job answers that way; the vendor's 429s come as
        # DOWNSTREAM_SERVICE_ERROR.
        return error == "INTERNAL_SERVER_ERROR"


def _str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


DIALECTS: dict[str, type[Dialect]] = {"gateway": GatewayDialect, "mesh": MeshDialect}
