"""A vendor the gateway has no backend for is reported, and named in a clear error."""

from __future__ import annotations

import strawberry

from adapters.model import Vendor
from gateway.context import make_context
from gateway.ids import NodeType, encode_id
from gateway.services import VendorStatus, build_services


async def test_unconfigured_vendor(schema: strawberry.Schema) -> None:
    services = build_services({}, {Vendor.ENGAGE: VendorStatus(configured=False, sandbox=False)})
    try:
        context = make_context(services)
        vendors = await schema.execute(
            "{ vendors { vendor configured sandbox capabilities } }", context_value=context
        )
        assert vendors.errors is None
        assert vendors.data == {
            "vendors": [
                {"vendor": "ENGAGE", "configured": False, "sandbox": False, "capabilities": []},
                {
                    "vendor": "EXPERTSENDER",
                    "configured": False,
                    "sandbox": False,
                    "capabilities": [],
                },
            ]
        }
        for query in (
            '{ order(vendor: ENGAGE, orderId: "A") { id } }',
            '{ contact(vendor: EXPERTSENDER, email: "a@example.com") { id } }',
            f'{{ node(id: "{encode_id(NodeType.ORDER, Vendor.ENGAGE, "A")}") {{ id }} }}',
        ):
            result = await schema.execute(query, context_value=make_context(services))
            assert result.errors is not None, query
            [error] = result.errors
            assert error.extensions is not None
            assert error.extensions["code"] == "VENDOR_NOT_CONFIGURED"
        mutation = await schema.execute(
            'mutation { deleteOrder(input: {vendor: ENGAGE, orderId: "A"}) { job { id } } }',
            context_value=make_context(services),
        )
        assert mutation.errors is not None
        assert mutation.errors[0].message == "ENGAGE is not configured"
    finally:
        await services.aclose()
