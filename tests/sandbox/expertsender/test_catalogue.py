"""Settings look-ups: attribute catalogues and consents."""

from __future__ import annotations

import httpx
import pytest

from sandbox.expertsender import inferred


@pytest.mark.parametrize(
    ("path", "catalogue"),
    [
        ("/orderattributes", inferred.ORDER_ATTRIBUTES),
        ("/productattributes", inferred.PRODUCT_ATTRIBUTES),
        ("/customerattributes", inferred.CUSTOMER_ATTRIBUTES),
    ],
)
def test_attribute_catalogues(
    client: httpx.Client, path: str, catalogue: tuple[inferred.AttributeDefinition, ...]
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    data = response.json()["data"]
    assert [(d["id"], d["name"], d["type"], d["required"]) for d in data] == [
        (d.id, d.name, d.type, d.required) for d in catalogue
    ]
    assert {d["type"] for d in data} <= set(inferred.ATTRIBUTE_TYPES)


def test_the_vendor_example_attributes_are_defined(client: httpx.Client) -> None:
    orders = {d["name"] for d in client.get("/orderattributes").json()["data"]}
    products = {d["name"] for d in client.get("/productattributes").json()["data"]}
    assert {"Shipping Method", "Gift Wrap"} <= orders
    assert {"Color", "Warranty"} <= products


def test_customer_consents(client: httpx.Client) -> None:
    response = client.get("/customerconsents")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data and all(set(c) == {"id", "name", "type"} for c in data)


@pytest.mark.parametrize(
    "path", ["/orderattributes", "/productattributes", "/customerattributes", "/customerconsents"]
)
def test_lookups_need_the_key(es_url: str, path: str) -> None:
    response = httpx.get(es_url + path, timeout=10)
    assert response.status_code == 401
    assert response.json()["substatus"] == "InvalidApiKey"
