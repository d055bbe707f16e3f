"""One error vocabulary over both vendors and the gateway's own checks.

The same client mistake gets the same ``UserError.code`` whoever found it, the vendor's own code
kept beside it; a job that ends ``COMPLETED_WITH_ERRORS`` lists its errors; a warning names the
same input field in the mutation's answer and in every later read of the job. Each runs against
emulators answering the documented minimum and the richest (invented) way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import data, order_input, wait_for_job, write_order
from tests.support.gateway import TEST_SANDBOX, GatewayHandle, sandbox_gateway

VENDORS = list(Vendor)


@pytest.fixture(scope="module", params=["documented", "invented"])
def gw(request: pytest.FixtureRequest) -> Iterator[GatewayHandle]:
    sandbox = dataclasses.replace(TEST_SANDBOX, variants=request.param)
    with sandbox_gateway(sandbox=sandbox) as handle:
        yield handle


USER_ERRORS = """
mutation($input: WriteOrderInput!) {
  writeOrder(input: $input) { job { id } errors { code vendorCode message field } }
}
"""


def refused(gw: GatewayHandle, vendor: Vendor, order: dict[str, object]) -> list[dict[str, object]]:
    input_ = {"vendor": vendor.value, "mode": "ADD", "order": order}
    payload = data(gw.post(USER_ERRORS, {"input": input_}))["writeOrder"]
    assert payload["job"] is None, payload
    errors: list[dict[str, object]] = payload["errors"]
    return errors


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_missing_required_value_is_validation_failed_whoever_finds_it(
    gw: GatewayHandle, vendor: Vendor
) -> None:
    by_gateway = refused(gw, vendor, order_input(vendor, " "))
    assert {e["code"] for e in by_gateway} == {"VALIDATION_FAILED"}
    assert {e["vendorCode"] for e in by_gateway} == {None}
    no_total = order_input(vendor, f"VOC-{vendor.value}-{id(gw)}", total=None)
    by_vendor = refused(gw, vendor, no_total)
    assert by_vendor and {e["code"] for e in by_vendor} == {"VALIDATION_FAILED"}, by_vendor


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_warning_names_the_same_field_in_the_answer_and_in_later_reads(
    gw: GatewayHandle, vendor: Vendor
) -> None:
    order = order_input(vendor, f"PATH-{vendor.value}-{id(gw)}", timeZone="UTC")
    order["externalStatus"] = "Picked"
    payload = write_order(gw, vendor, "ADD", order)
    answered = {w["code"]: w["field"] for w in payload["job"]["warnings"] if w["field"]}
    assert answered, payload
    later = wait_for_job(gw, payload["job"]["id"])
    assert {w["code"]: w["field"] for w in later["warnings"] if w["field"]} == answered


def test_completed_with_errors_lists_its_errors(gw: GatewayHandle) -> None:
    order = order_input(Vendor.ENGAGE, f"CWE-{id(gw)}", contact={"email": "nobody@example.com"})
    payload = write_order(gw, Vendor.ENGAGE, "ADD", order)
    final = wait_for_job(gw, payload["job"]["id"])
    assert final["state"] == "COMPLETED_WITH_ERRORS"
    assert [e["code"] for e in final["errors"]] == ["CONTACT_MISSING"]
