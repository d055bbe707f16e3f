"""The order creation example on the vendor's "Orders data structure" page (vendor note §3, S3).

The vendor prints that example with its line items, payments, fees and discounts elided
("..."), and the seed pages beside the vendor note carry no JSON example at all. This body keeps
every field the page shows, with the page's own spelling and value formats - including
`billingAddress.firstname` in lower case (the spelling both sides now use) - and
fills the elided parts from the field tables (§3.2, §3.3) so the line totals add up to the
printed `subTotal`.
"""

from __future__ import annotations

import httpx

from tests.sandbox.engage.conftest import write_and_wait

SAMPLE = {
    "orderId": "order-1764771379",
    "contact": {"matchKey": "anna.berg@example.com", "matchKeyType": "Email"},
    "externalStoreId": "WEB-SE",
    "status": "InProgress",
    "externalStatus": "Picked",
    "references": ["order-123"],
    "currencyCode": "EUR",
    "channel": "Ecom",
    "createdAt": "2025-12-03T15:15:19+01:00",
    "lastChangedAt": "2025-12-03T15:16:19+01:00",
    "lineItems": {
        "items": [
            {
                "id": "1",
                "type": "Purchase",
                "externalStatus": "Picked",
                "quantity": 2,
                "article": {
                    "sku": "SKU-JEANS-32",
                    "name": "Slim jeans 32/32",
                    "description": "Dark blue",
                    "imageUri": "https://shop.example.com/i/jeans.png",
                    "targetUri": "https://shop.example.com/p/jeans",
                },
                "discounts": [{"type": "Campaign", "description": "Winter sale", "amount": 1}],
                "pricePerUnit": 798.5,
                "originalPricePerUnit": 799,
                "totalPrice": 1597,
                "originalTotalPrice": 1598,
                "taxes": [{"amount": 319.4, "percent": 25, "description": "VAT"}],
            }
        ],
        "subTotal": 1597,
    },
    "payments": {
        "items": [{"type": "Card", "amount": 1646, "reference": "PAY-1"}],
        "totalPaid": 1646,
    },
    "fees": {
        "items": [{"type": "Shipping", "description": "Home delivery", "amount": 49}],
        "total": 49,
    },
    "discounts": {"items": [], "total": 0},
    "totalPrice": 1646,
    "delivery": {
        "method": "DHL",
        "trackingNumber": "1234567890",
        "trackingUri": "https://dhl.com/track/1234567890",
        "deliveryDate": "2025-12-06T15:16:19+01:00",
    },
    "billingAddress": {"title": "Mr", "firstname": "John"},
}


def test_vendor_sample_is_accepted_and_stored_as_sent(client: httpx.Client) -> None:
    done = write_and_wait(client, "POST", "/api/v3/orders", SAMPLE)
    assert done.status_code == 302
    assert done.json()["status"] == "Completed"
    assert done.json()["warnings"] == []
    stored = client.get("/api/v3/orders/order-1764771379").json()
    assert {k: stored[k] for k in SAMPLE} == SAMPLE
    assert stored["type"] == "Purchase"
