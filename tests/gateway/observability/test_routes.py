"""Vendor paths become bounded route templates."""

from __future__ import annotations

import pytest

from adapters.model import Vendor
from gateway.observability.metrics import OperationNames
from gateway.observability.routes import OTHER_ROUTE, RouteTemplates


@pytest.mark.parametrize(
    ("vendor", "path", "template"),
    [
        (Vendor.ENGAGE, "/api/v3/orders/ENG-1001", "/api/v3/orders/{order_id}"),
        (Vendor.ENGAGE, "/api/v3/orders/jobs/8f1c", "/api/v3/orders/jobs/{job_id}"),
        (Vendor.ENGAGE, "/api/v3/orders/A%2F1/action", "/api/v3/orders/{order_id}/action"),
        (Vendor.ENGAGE, "/api/v3/contacts/id", "/api/v3/contacts/id"),
        (Vendor.ENGAGE, "/api/v3/contacts/c-42", "/api/v3/contacts/{contact_id}"),
        (Vendor.EXPERTSENDER, "/orders/status", "/orders/status"),
        (Vendor.EXPERTSENDER, "/orders/ES-1001", "/orders/{order_id}"),
        (Vendor.EXPERTSENDER, "/customers/email/anna%40example.com", "/customers/email/{id}"),
        (Vendor.EXPERTSENDER, "/orders/ES-1/extra/segments", OTHER_ROUTE),
        (Vendor.ENGAGE, "/somewhere/else", OTHER_ROUTE),
    ],
)
def test_paths_map_to_templates_without_ids(vendor: Vendor, path: str, template: str) -> None:
    assert RouteTemplates().template(vendor, path) == template


def test_operation_names_are_capped_and_plain() -> None:
    names = OperationNames(limit=2)
    assert names.label(None) == "anonymous"
    assert names.label("First") == "First"
    assert names.label("Second") == "Second"
    assert names.label("Third") == "other"
    assert names.label("First") == "First"
    assert OperationNames().label("x" * 65) == "other"
