"""Every mutation of the contract, each write mode, on both vendors, over real HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from adapters.model import Vendor
from gateway.ids import NodeType, decode_id
from tests.gateway.e2e.orders_support import (
    DEMO,
    JOB_FIELDS,
    data,
    order_input,
    reset_requests,
    wait_for_job,
    write_order,
    writes,
)
from tests.support.gateway import GatewayHandle, sandbox_gateway

VENDORS = [Vendor.ENGAGE, Vendor.EXPERTSENDER]
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def new_id(prefix: str = "T") -> str:
    return f"{prefix}-{next(_ids):04d}"


ORDER_QUERY = """query($v: Vendor!, $id: String!) {
  order(vendor: $v, orderId: $id) { orderId status externalStatus total isDeleted versionTag
    lines { sku quantity } contact { email } }
}"""


def read_order(gw: GatewayHandle, vendor: Vendor, order_id: str) -> dict[str, Any] | None:
    order: dict[str, Any] | None = data(gw.post(ORDER_QUERY, {"v": vendor.value, "id": order_id}))[
        "order"
    ]
    return order


def created(gw: GatewayHandle, vendor: Vendor, **overrides: Any) -> str:
    order_id = new_id("C")
    payload = write_order(gw, vendor, "ADD", order_input(vendor, order_id, **overrides))
    assert payload["errors"] == []
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    return order_id


def mutate(
    gw: GatewayHandle, name: str, input_type: str, variables: dict[str, Any]
) -> dict[str, Any]:
    query = f"""mutation($input: {input_type}!) {{
      {name}(input: $input) {{
        job {{ {JOB_FIELDS} }} order {{ orderId status isDeleted }} errors {{ code message field }}
      }}
    }}"""
    payload: dict[str, Any] = data(gw.post(query, {"input": variables}))[name]
    return payload


# How the adapter read the vendor's answer, not something the client's write lost.
READING_NOTES = {"VERSION_TAG_READ_FROM_ORDER"}


def lost_fields(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [w for w in job["warnings"] if w["code"] not in READING_NOTES]


@pytest.mark.parametrize("vendor", VENDORS)
def test_add_creates_an_order_through_a_job(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = new_id("ADD")
    payload = write_order(gw, vendor, "ADD", order_input(vendor, order_id))
    assert payload["errors"] == []
    job = payload["job"]
    assert job["operation"] == "CREATE" and job["orderId"] == order_id
    assert decode_id(job["id"]).node_type is NodeType.JOB
    if vendor is Vendor.EXPERTSENDER:
        # A synchronous vendor: the job is born finished, the order readable at once.
        assert job["state"] == "COMPLETED" and job["finishedAt"]
        assert payload["order"]["orderId"] == order_id
    else:
        assert job["vendorJobId"]
    final = wait_for_job(gw, job["id"])
    assert final["state"] == "COMPLETED", final
    assert lost_fields(final) == []
    assert final["order"]["orderId"] == order_id
    order = read_order(gw, vendor, order_id)
    assert order is not None
    assert order["total"] == 398.0
    assert order["lines"] == [{"sku": DEMO[vendor]["sku"], "quantity": 2}]
    assert order["contact"]["email"] == DEMO[vendor]["email"]
    if vendor is Vendor.ENGAGE:
        assert final["versionTag"] and order["versionTag"] == final["versionTag"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_add_of_an_existing_order_is_a_user_error(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = created(gw, vendor)
    reset_requests(gw, vendor)
    payload = write_order(gw, vendor, "ADD", order_input(vendor, order_id, total=1.0))
    assert payload["job"] is None and payload["order"] is None
    [error] = payload["errors"]
    assert error["code"] == "ORDER_ALREADY_EXISTS"
    assert error["field"] == ["input", "order", "orderId"]
    assert "already exists" in error["message"]
    assert read_order(gw, vendor, order_id)["total"] == 398.0  # type: ignore[index]


@pytest.mark.parametrize("vendor", VENDORS)
def test_replace_changes_an_existing_order(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = created(gw, vendor)
    payload = write_order(gw, vendor, "REPLACE", order_input(vendor, order_id, total=123.0))
    assert payload["errors"] == [] and payload["job"]["operation"] == "REPLACE"
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    assert read_order(gw, vendor, order_id)["total"] == 123.0  # type: ignore[index]


@pytest.mark.parametrize("vendor", VENDORS)
def test_replace_of_a_missing_order_is_a_user_error(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = new_id("MISSING")
    payload = write_order(gw, vendor, "REPLACE", order_input(vendor, order_id))
    assert payload["job"] is None
    [error] = payload["errors"]
    assert error["code"] == "ORDER_NOT_FOUND"
    assert error["field"] == ["input", "order", "orderId"]
    assert read_order(gw, vendor, order_id) is None


@pytest.mark.parametrize("vendor", VENDORS)
def test_add_or_replace_creates_then_replaces(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = new_id("UPSERT")
    first = write_order(gw, vendor, "ADD_OR_REPLACE", order_input(vendor, order_id, total=10.0))
    assert wait_for_job(gw, first["job"]["id"])["state"] == "COMPLETED"
    assert read_order(gw, vendor, order_id)["total"] == 10.0  # type: ignore[index]
    second = write_order(gw, vendor, "ADD_OR_REPLACE", order_input(vendor, order_id, total=20.0))
    assert second["errors"] == []
    assert wait_for_job(gw, second["job"]["id"])["state"] == "COMPLETED"
    assert read_order(gw, vendor, order_id)["total"] == 20.0  # type: ignore[index]


@pytest.mark.parametrize("vendor", VENDORS)
def test_change_order_status(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = created(gw, vendor)
    payload = mutate(
        gw,
        "changeOrderStatus",
        "ChangeOrderStatusInput",
        {"vendor": vendor.value, "orderId": order_id, "status": "COMPLETED"},
    )
    assert payload["errors"] == []
    assert payload["job"]["operation"] == "CHANGE_STATUS"
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    assert read_order(gw, vendor, order_id)["status"] == "COMPLETED"  # type: ignore[index]


def test_change_status_keeps_engage_external_status(gw: GatewayHandle) -> None:
    order_id = created(gw, Vendor.ENGAGE)
    payload = mutate(
        gw,
        "changeOrderStatus",
        "ChangeOrderStatusInput",
        {
            "vendor": "ENGAGE",
            "orderId": order_id,
            "status": "CANCELLED",
            "externalStatus": "Returned to sender",
        },
    )
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    order = read_order(gw, Vendor.ENGAGE, order_id)
    assert order is not None
    assert (order["status"], order["externalStatus"]) == ("CANCELLED", "Returned to sender")


def test_external_status_on_expertsender_is_a_job_warning_and_logged(gw: GatewayHandle) -> None:
    order_id = created(gw, Vendor.EXPERTSENDER)
    payload = mutate(
        gw,
        "changeOrderStatus",
        "ChangeOrderStatusInput",
        {
            "vendor": "EXPERTSENDER",
            "orderId": order_id,
            "status": "COMPLETED",
            "externalStatus": "Picked",
        },
    )
    warnings = payload["job"]["warnings"]
    assert [w["field"] for w in warnings] == [["input", "externalStatus"]]
    assert warnings[0]["code"] == "FIELD_NOT_SUPPORTED"
    log = data(
        gw.post(
            "query($o: String!) { integrationLog(filter: {orderId: $o, severity: WARNING}) "
            "{ edges { node { code jobId } } } }",
            {"o": order_id},
        )
    )["integrationLog"]["edges"]
    assert {"code": "FIELD_NOT_SUPPORTED", "jobId": payload["job"]["id"]} in [
        e["node"] for e in log
    ]


def test_fields_expertsender_cannot_hold_are_warned_not_dropped(gw: GatewayHandle) -> None:
    order = order_input(Vendor.EXPERTSENDER, new_id("WARN"))
    order["lines"][0]["totalPrice"] = 398.0
    payload = write_order(gw, Vendor.EXPERTSENDER, "ADD", order)
    fields = [w["field"] for w in payload["job"]["warnings"]]
    assert ["input", "order", "lines", "0", "totalPrice"] in fields


def test_embedded_action_on_expertsender_is_discarded_with_a_warning(gw: GatewayHandle) -> None:
    order_id = new_id("ACT")
    payload = write_order(
        gw,
        Vendor.EXPERTSENDER,
        "ADD",
        order_input(Vendor.EXPERTSENDER, order_id),
        orderAction={"action": "CONFIRM_ORDER"},
    )
    assert payload["errors"] == []
    discarded = [w for w in payload["job"]["warnings"] if w["code"] == "ACTION_DISCARDED"]
    assert len(discarded) == 1 and discarded[0]["field"] == ["input", "orderAction"]


def test_embedded_action_on_engage_passes_through(gw: GatewayHandle) -> None:
    order_id = new_id("ACT")
    payload = write_order(
        gw,
        Vendor.ENGAGE,
        "ADD",
        order_input(Vendor.ENGAGE, order_id),
        orderAction={"action": "CONFIRM_ORDER", "language": "sv-SE"},
    )
    assert payload["errors"] == []
    final = wait_for_job(gw, payload["job"]["id"])
    assert final["state"] == "COMPLETED" and lost_fields(final) == []
    [post] = [w for w in writes(gw, Vendor.ENGAGE) if w.get("order_id") == order_id]
    assert post["method"] == "POST"


@pytest.mark.parametrize("vendor", VENDORS)
def test_delete(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = created(gw, vendor)
    payload = mutate(
        gw, "deleteOrder", "DeleteOrderInput", {"vendor": vendor.value, "orderId": order_id}
    )
    assert payload["errors"] == [] and payload["job"]["operation"] == "DELETE"
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    order = read_order(gw, vendor, order_id)
    if vendor is Vendor.ENGAGE:
        assert order is None
    else:
        # ExpertSender soft-deletes: the order stays readable, flagged.
        assert order is not None and order["isDeleted"] is True


@pytest.mark.parametrize("vendor", VENDORS)
def test_delete_of_a_missing_order_is_a_user_error(gw: GatewayHandle, vendor: Vendor) -> None:
    payload = mutate(
        gw, "deleteOrder", "DeleteOrderInput", {"vendor": vendor.value, "orderId": new_id("GONE")}
    )
    assert payload["job"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("ORDER_NOT_FOUND", ["input", "orderId"])
    ]


def test_engage_action_finds_the_version_tag_itself(gw: GatewayHandle) -> None:
    order_id = created(gw, Vendor.ENGAGE)
    payload = mutate(
        gw,
        "triggerOrderAction",
        "TriggerOrderActionInput",
        {"vendor": "ENGAGE", "orderId": order_id, "action": "CONFIRM_SHIPMENT", "data": {"a": [1]}},
    )
    assert payload["errors"] == []
    assert payload["job"]["operation"] == "ACTION"
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"


def test_engage_action_with_a_stale_version_tag_is_a_user_error(gw: GatewayHandle) -> None:
    order_id = created(gw, Vendor.ENGAGE)
    payload = mutate(
        gw,
        "triggerOrderAction",
        "TriggerOrderActionInput",
        {
            "vendor": "ENGAGE",
            "orderId": order_id,
            "action": "CONFIRM_ORDER",
            "versionTag": "c3RhbGU=",
        },
    )
    assert payload["job"] is None
    assert [e["code"] for e in payload["errors"]] == ["VERSION_CONFLICT"]


def test_action_on_expertsender_is_unsupported_and_sends_nothing(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.EXPERTSENDER)
    payload = mutate(
        gw,
        "triggerOrderAction",
        "TriggerOrderActionInput",
        {
            "vendor": "EXPERTSENDER",
            "orderId": DEMO[Vendor.EXPERTSENDER]["order"],
            "action": "CONFIRM_ORDER",
        },
    )
    assert payload["job"] is None
    [error] = payload["errors"]
    assert error["code"] == "UNSUPPORTED_BY_VENDOR" and error["field"] == ["input", "action"]
    assert writes(gw, Vendor.EXPERTSENDER) == []


@pytest.mark.parametrize("vendor", VENDORS)
def test_vendor_validation_keeps_the_vendors_words_and_field(
    gw: GatewayHandle, vendor: Vendor
) -> None:
    order_id = new_id("BAD")
    reset_requests(gw, vendor)
    payload = write_order(gw, vendor, "ADD", order_input(vendor, order_id, currency="EURO"))
    assert payload["job"] is None
    [error] = payload["errors"]
    assert error["field"] == ["input", "order", "currency"]
    # The vendor's own words, naming its own field (Engage: currencyCode).
    assert ("currencyCode" if vendor is Vendor.ENGAGE else "currency") in error["message"]
    assert len(writes(gw, vendor)) == 1  # the vendor refused the one write sent
    assert read_order(gw, vendor, order_id) is None


@pytest.mark.parametrize("vendor", VENDORS)
def test_idempotent_retry_returns_the_first_job_and_writes_once(
    gw: GatewayHandle, vendor: Vendor
) -> None:
    order_id = new_id("IDEM")
    key = f"key-{order_id}"
    reset_requests(gw, vendor)
    first = write_order(gw, vendor, "ADD", order_input(vendor, order_id), idempotencyKey=key)
    second = write_order(gw, vendor, "ADD", order_input(vendor, order_id), idempotencyKey=key)
    assert first["errors"] == [] and second["errors"] == []
    assert second["job"]["id"] == first["job"]["id"]
    order_writes = [w for w in writes(gw, vendor) if w.get("order_id") == order_id]
    assert len(order_writes) == 1, order_writes
    # Without the key, the same input is a second (refused) write.
    third = write_order(gw, vendor, "ADD", order_input(vendor, order_id))
    assert [e["code"] for e in third["errors"]] == ["ORDER_ALREADY_EXISTS"]


def test_same_key_with_other_input_is_refused(gw: GatewayHandle) -> None:
    vendor = Vendor.EXPERTSENDER
    order_id = new_id("IDEM")
    key = f"key-{order_id}"
    write_order(gw, vendor, "ADD", order_input(vendor, order_id), idempotencyKey=key)
    payload = write_order(
        gw, vendor, "ADD", order_input(vendor, order_id, total=1.0), idempotencyKey=key
    )
    assert payload["job"] is None
    [error] = payload["errors"]
    assert error["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert error["field"] == ["input", "idempotencyKey"]


def test_concurrent_duplicates_wait_for_the_first(gw: GatewayHandle) -> None:
    vendor = Vendor.ENGAGE
    order_id = new_id("RACE")
    key = f"key-{order_id}"
    reset_requests(gw, vendor)

    def send(_: int) -> dict[str, Any]:
        return write_order(gw, vendor, "ADD", order_input(vendor, order_id), idempotencyKey=key)

    with ThreadPoolExecutor(max_workers=4) as pool:
        payloads = list(pool.map(send, range(4)))
    assert {p["job"]["id"] for p in payloads} == {payloads[0]["job"]["id"]}
    assert all(p["errors"] == [] for p in payloads)
    assert len([w for w in writes(gw, vendor) if w.get("order_id") == order_id]) == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_job_is_a_node(gw: GatewayHandle, vendor: Vendor) -> None:
    order_id = new_id("NODE")
    job = write_order(gw, vendor, "ADD", order_input(vendor, order_id))["job"]
    wait_for_job(gw, job["id"])
    node = data(
        gw.post(
            "query($id: ID!) { node(id: $id) { id "
            "... on Job { state orderId order { orderId } } } }",
            {"id": job["id"]},
        )
    )["node"]
    assert node == {
        "id": job["id"],
        "state": "COMPLETED",
        "orderId": order_id,
        "order": {"orderId": order_id},
    }
