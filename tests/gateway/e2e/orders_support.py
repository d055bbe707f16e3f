"""Helpers for the end-to-end order tests: demo ids, request counts, waiting for jobs."""

from __future__ import annotations

import time
from typing import Any

from adapters.model import Vendor
from tests.support.gateway import GatewayHandle

FINAL_STATES = {"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"}

# Demo data of the emulators (sandbox/<vendor>/demo.py).
DEMO: dict[Vendor, dict[str, Any]] = {
    Vendor.ENGAGE: {
        "order": "ENG-1001",
        "return": "ENG-1003",
        "email": "anna.berg@example.com",
        "contact_orders": 6,
        "many_email": "many.orders@example.com",
        "sku": "SKU-TSHIRT-M",
        "store": "STORE-STHLM-01",
    },
    Vendor.EXPERTSENDER: {
        "order": "ES-1001",
        "return": "ES-2001",
        "email": "jonas.lind@example.com",
        "many_email": "many.orders@example.com",
        "sku": "SKU-1001",
        "store": None,
    },
}

JOB_FIELDS = """
    id vendor vendorJobId operation state orderId versionTag createdAt updatedAt finishedAt
    errors { code message field } warnings { code message field }
"""

WRITE_ORDER = f"""
mutation($input: WriteOrderInput!) {{
  writeOrder(input: $input) {{
    job {{ {JOB_FIELDS} }}
    order {{ orderId status total }}
    errors {{ code message field }}
  }}
}}
"""

JOB_QUERY = f"query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} order {{ orderId status }} }} }}"


def order_input(vendor: Vendor, order_id: str, **overrides: Any) -> dict[str, Any]:
    demo = DEMO[vendor]
    order: dict[str, Any] = {
        "orderId": order_id,
        "createdAt": "2025-05-01T12:00:00+02:00",
        # Statuses both ways lossless: Engage has no PAID, ExpertSender no IN_PROGRESS.
        "status": "IN_PROGRESS" if vendor is Vendor.ENGAGE else "PAID",
        "currency": "SEK",
        "total": 398.0,
        "contact": {"email": demo["email"]},
        "lines": [
            {
                "sku": demo["sku"],
                "name": "Demo article",
                "quantity": 2,
                "unitPrice": 199.0,
                "totalPrice": 398.0,
            }
        ],
        "payments": [{"amount": 398.0, "method": "Card", "reference": "PSP-1"}],
    }
    if vendor is Vendor.ENGAGE:
        order["storeId"] = demo["store"]
    else:
        # ExpertSender has no place for a line total: leave it out so writes carry no warning.
        del order["lines"][0]["totalPrice"]
        del order["payments"]
    order.update(overrides)
    return order


def requests(gw: GatewayHandle, vendor: Vendor) -> dict[str, Any]:
    response = gw.client.get(f"{gw.emulator_url(vendor)}/_sandbox/requests")
    response.raise_for_status()
    counts: dict[str, Any] = response.json()
    return counts


def reset_requests(gw: GatewayHandle, *vendors: Vendor) -> None:
    for vendor in vendors or tuple(Vendor):
        gw.client.post(f"{gw.emulator_url(vendor)}/_sandbox/requests/reset")


def writes(gw: GatewayHandle, vendor: Vendor) -> list[dict[str, Any]]:
    return [e for e in requests(gw, vendor)["log"] if e["method"] in {"POST", "PUT", "DELETE"}]


def data(result: dict[str, Any]) -> dict[str, Any]:
    assert not result.get("errors"), result.get("errors")
    payload: dict[str, Any] = result["data"]
    return payload


def wait_for_job(gw: GatewayHandle, job_id: str, timeout_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = data(gw.post(JOB_QUERY, {"id": job_id}))["job"]
        if job["state"] in FINAL_STATES:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['state']} after {timeout_s}s")
        time.sleep(0.05)


def write_order(
    gw: GatewayHandle, vendor: Vendor, mode: str, order: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    result: dict[str, Any] = data(
        gw.post(
            WRITE_ORDER, {"input": {"vendor": vendor.value, "mode": mode, "order": order, **extra}}
        )
    )["writeOrder"]
    return result
