"""Engage error field paths → gateway field names."""

from __future__ import annotations

import pytest

from adapters.engage.paths import to_domain


@pytest.mark.parametrize(
    ("vendor", "domain"),
    [
        ("lineItems.items[0].article.sku", ("lines", "0", "sku")),
        ("lineItems.items[3].article.targetUri", ("lines", "3", "url")),
        ("lineItems.items[1].pricePerUnit", ("lines", "1", "unitPrice")),
        ("lineItems.items[1].taxes[0].amount", ("lines", "1", "taxes", "0", "amount")),
        ("lineItems.items", ("lines",)),
        ("lineItems.subTotal", ("lines",)),
        ("contact.matchKeyType", ("contact",)),
        ("currencyCode", ("currency",)),
        ("externalStoreId", ("storeId",)),
        ("totalPrice", ("total",)),
        ("payments.items[0].type", ("payments", "0", "method")),
        ("fees.items[0].taxes[1].percent", ("fees", "0", "taxes", "1", "percent")),
        ("billingAddress.mobilePhone", ("billingAddress", "phone")),
        ("delivery.deliveryDate", ("delivery", "deliveryDate")),
        ("somethingNew.inner", ("somethingNew", "inner")),
        ("lineItems.items[0].group", ("lines", "0", "group")),
    ],
)
def test_paths_translate(vendor: str, domain: tuple[str, ...]) -> None:
    assert to_domain(vendor) == domain


@pytest.mark.parametrize("vendor", [None, "", "body"])
def test_whole_body_has_no_field(vendor: str | None) -> None:
    assert to_domain(vendor) is None
