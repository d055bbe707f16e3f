"""Every field Engage documents is reachable through the gateway, and the GET-order ownership
check is the optional ``contactId`` of ``order``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import data, order_input, wait_for_job, write_order
from tests.support.gateway import GatewayHandle, sandbox_gateway

READ = """
query($v: Vendor!, $id: String!, $contact: String) {
  order(vendor: $v, orderId: $id, contactId: $contact) {
    orderId lastChangedAt contactType
    lines { sku description externalStatus originalUnitPrice originalTotalPrice
            returnDetails { type reason } }
  }
}
"""
CONTACT = "query($email: String!) { contact(vendor: ENGAGE, email: $email) { contactId } }"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def test_engage_line_fields_and_last_changed_at_round_trip(gw: GatewayHandle) -> None:
    order = order_input(
        Vendor.ENGAGE,
        "DOC-FIELDS-1",
        lastChangedAt="2025-05-02T08:00:00+02:00",
        contactType="Member",
    )
    order["lines"][0].update(
        description="Soft cotton",
        externalStatus="Picked",
        originalUnitPrice=249.0,
        originalTotalPrice=498.0,
        type="RETURN",
        returnDetails={"type": "Complaint", "reason": "Too small"},
    )
    payload = write_order(gw, Vendor.ENGAGE, "ADD", order)
    assert payload["errors"] == [], payload
    assert not [w for w in payload["job"]["warnings"] if w["code"] == "FIELD_NOT_SUPPORTED"]
    assert wait_for_job(gw, payload["job"]["id"])["state"] == "COMPLETED"
    read = data(gw.post(READ, {"v": "ENGAGE", "id": "DOC-FIELDS-1"}))["order"]
    assert read["lastChangedAt"].startswith("2025-05-02T08:00:00")
    assert read["contactType"] == "Member"
    assert read["lines"][0] == {
        "sku": order["lines"][0]["sku"],
        "description": "Soft cotton",
        "externalStatus": "Picked",
        "originalUnitPrice": 249.0,
        "originalTotalPrice": 498.0,
        "returnDetails": {"type": "Complaint", "reason": "Too small"},
    }


def test_expertsender_warns_about_each_engage_only_field(gw: GatewayHandle) -> None:
    order = order_input(Vendor.EXPERTSENDER, "DOC-FIELDS-ES", lastChangedAt="2025-05-02T08:00:00Z")
    order["lines"][0].update(description="x", originalUnitPrice=1.0)
    payload = write_order(gw, Vendor.EXPERTSENDER, "ADD", order)
    fields = {tuple(w["field"]) for w in payload["job"]["warnings"] if w["field"]}
    assert {
        ("input", "order", "lastChangedAt"),
        ("input", "order", "lines", "0", "description"),
        ("input", "order", "lines", "0", "originalUnitPrice"),
    } <= fields


def test_order_with_a_contact_id_answers_only_that_contacts_order(gw: GatewayHandle) -> None:
    anna = data(gw.post(CONTACT, {"email": "anna.berg@example.com"}))["contact"]["contactId"]
    erik = data(gw.post(CONTACT, {"email": "erik.holm@example.com"}))["contact"]["contactId"]
    own = data(gw.post(READ, {"v": "ENGAGE", "id": "ENG-1001", "contact": anna.upper()}))
    assert own["order"]["orderId"] == "ENG-1001"
    other = data(gw.post(READ, {"v": "ENGAGE", "id": "ENG-1001", "contact": erik}))
    assert other["order"] is None
