"""The demo data: what the README quotes exists and has the promised shape."""

from __future__ import annotations

import httpx

from sandbox.expertsender.demo import DEMO


def _order(client: httpx.Client, order_id: str) -> dict[str, object]:
    response = client.get(f"/orders/{order_id}")
    assert response.status_code == 200, order_id
    data: dict[str, object] = response.json()["data"]
    return data


def test_demo_customers_exist(client: httpx.Client) -> None:
    assert len(DEMO["customers"]) >= 5
    for listed in DEMO["customers"]:
        found = client.get(f"/customers/email/{listed['email']}").json()["data"]
        assert {k: found[k] for k in ("id", "email", "phone", "crmId")} == listed


def test_demo_orders_cover_every_kind(client: httpx.Client) -> None:
    groups = DEMO["orders"]
    assert sum(len(ids) for ids in groups.values()) >= 12
    for order_id in groups["purchase"]:
        products = _order(client, order_id)["products"]
        assert isinstance(products, list)
        assert all(not p["returned"] for p in products)
    for order_id in groups["return"]:
        products = _order(client, order_id)["products"]
        assert isinstance(products, list)
        assert all(p["returned"] == p["quantity"] for p in products)
    for order_id in groups["mixed"]:
        products = _order(client, order_id)["products"]
        assert isinstance(products, list)
        returned = sum(p["returned"] or 0 for p in products)
        assert 0 < returned < sum(p["quantity"] for p in products)
    for order_id in groups["deleted"]:
        assert _order(client, order_id)["isDeleted"] is True


def test_one_customer_has_at_least_fifty_orders(client: httpx.Client) -> None:
    many = DEMO["many_orders"]
    assert len(many["order_ids"]) >= 50
    customer = client.get(f"/customers/email/{many['email']}").json()["data"]
    assert customer["id"] == many["customer_id"]
    for order_id in many["order_ids"]:
        linked = _order(client, order_id)["customer"]
        assert isinstance(linked, dict)
        assert linked["id"] == many["customer_id"]


def test_demo_orders_use_the_catalogue(client: httpx.Client) -> None:
    order_names = {d["name"] for d in client.get("/orderattributes").json()["data"]}
    product_names = {d["name"] for d in client.get("/productattributes").json()["data"]}
    assert set(DEMO["order_attributes"]) == order_names
    order = _order(client, DEMO["orders"]["purchase"][0])
    attributes = order["orderAttributes"]
    products = order["products"]
    assert isinstance(attributes, list) and isinstance(products, list)
    assert {a["name"] for a in attributes} <= order_names
    assert {a["name"] for p in products for a in p["productAttributes"]} <= product_names


def test_demo_orders_survive_a_round_trip_through_the_api(client: httpx.Client) -> None:
    """Demo data obeys the same rules as written data: re-sending an order is accepted."""
    for order_id in [DEMO["orders"]["mixed"][0], DEMO["many_orders"]["order_ids"][0]]:
        order = _order(client, order_id)
        customer = order["customer"]
        assert isinstance(customer, dict)
        order["customer"] = {k: customer[k] for k in ("email", "phone", "crmId")}
        del order["isDeleted"]
        response = client.post("/orders", json={"mode": "Replace", "data": [order]})
        assert response.status_code == 201, response.text
        assert _order(client, order_id) == dict(order, customer=customer, isDeleted=False)
