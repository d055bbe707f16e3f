"""What a job does when it reaches its final step: the asynchronous half of every Engage write.

Runs inside the emulator's event loop, one job at a time, in the order the jobs became due, so
two writes to one order land in the order they were accepted.
"""

from __future__ import annotations

from typing import Any

from sandbox.engage import inferred
from sandbox.engage.store import AppliedAction, EngageState, Job, StoredOrder, now_iso
from sandbox.engage.validation import DELIVERY_FIELDS


def _warn(job: Job, warning: tuple[str, str]) -> None:
    code, message = warning
    entry = {"code": code, "message": message}
    if entry not in job.warnings:
        job.warnings.append(entry)


def _finish(job: Job, status: str) -> None:
    job.status = status
    job.updated_at = job.completed_at = now_iso()


def _fail(job: Job, code: str, message: str) -> None:
    job.failure_code = code
    job.errors.append({"code": code, "message": message})
    _finish(job, inferred.JOB_FAILED)


def _store_order(state: EngageState, job: Job, body: dict[str, Any]) -> StoredOrder:
    """Resolve the contact, check article and store references, store a new version."""
    ref = body["contact"]
    contact = state.resolve_contact(ref["matchKeyType"], ref["matchKey"])
    if contact is None:
        _warn(job, inferred.CONTACT_MISSING)
    for item in body["lineItems"]["items"]:
        if item["article"]["sku"] not in state.articles:
            _warn(job, inferred.ARTICLE_MISSING)
    store_id = body.get("externalStoreId")
    if store_id is not None and store_id not in state.stores:
        _warn(job, inferred.STORE_MISSING)
    stored = StoredOrder(
        body={k: v for k, v in body.items() if k != "orderAction"},
        contact_id=contact.contact_id if contact else None,
        version_tag=state.next_version_tag(),
    )
    state.orders[stored.order_id] = stored
    return stored


def _apply_embedded_action(state: EngageState, job: Job, order: StoredOrder) -> None:
    action = job.payload.get("orderAction")
    if not isinstance(action, dict):
        return
    if order.contact_id is None:
        # Seed 002: an embedded action that cannot be processed is discarded.
        _warn(job, inferred.ORDER_ACTION_DISCARDED)
        return
    _record_action(state, job, order, action, source="Embedded")


def _record_action(
    state: EngageState, job: Job, order: StoredOrder, action: dict[str, Any], *, source: str
) -> None:
    state.actions.append(
        AppliedAction(
            order_id=order.order_id,
            action=str(action["action"]),
            source=source,
            job_id=job.job_id,
            version_tag=order.version_tag,
            applied_at=now_iso(),
            language=action.get("language"),
            data=action.get("data"),
        )
    )


def _complete(state: EngageState, job: Job, order: StoredOrder) -> None:
    _apply_embedded_action(state, job, order)
    job.version_tag = order.version_tag
    contact_missing = any(w["code"] == inferred.CONTACT_MISSING[0] for w in job.warnings)
    _finish(job, inferred.JOB_COMPLETED_WITH_ERRORS if contact_missing else inferred.JOB_COMPLETED)


def _not_found(job: Job) -> None:
    _fail(job, inferred.ORDER_NOT_FOUND, f"Order {job.order_id} does not exist.")


def apply(state: EngageState, job: Job) -> None:
    """Move `job` to its final state, changing the stored data as its operation says."""
    existing = state.orders.get(job.order_id)
    operation = job.operation
    if operation == "Create":
        if existing is not None:
            _fail(job, inferred.ORDER_ALREADY_EXISTS, "Order already exists")
            return
        _complete(state, job, _store_order(state, job, job.payload))
        return
    if existing is None:
        _not_found(job)
        return
    if operation == "Replace":
        _complete(state, job, _store_order(state, job, job.payload))
    elif operation == "Delete":
        del state.orders[job.order_id]
        _finish(job, inferred.JOB_COMPLETED)
    elif operation == "ChangeStatus":
        for key in ("status", "externalStatus"):
            if job.payload.get(key) is not None:
                existing.body[key] = job.payload[key]
        existing.version_tag = state.next_version_tag()
        _complete(state, job, existing)
    elif operation == "ChangeDelivery":
        delivery = dict(existing.body.get("delivery") or {})
        delivery.update(
            {k: job.payload[k] for k in DELIVERY_FIELDS if job.payload.get(k) is not None}
        )
        existing.body["delivery"] = delivery
        existing.version_tag = state.next_version_tag()
        _complete(state, job, existing)
    elif operation == "Action":
        # An action triggers automations; it does not make a new version of the order.
        _record_action(state, job, existing, job.payload, source="Action")
        job.version_tag = existing.version_tag
        _finish(job, inferred.JOB_COMPLETED)
    else:
        _fail(job, "UnknownOperation", f"Unknown operation {operation}.")
