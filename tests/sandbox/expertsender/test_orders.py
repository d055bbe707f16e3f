"""POST /orders, GET and DELETE /orders/{orderId}, PUT /orders/status over real HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.sandbox.expertsender.conftest import batch, new_id, valid_order

# The Add example printed on the vendor's Orders page, character for character.
SEED_EXAMPLE = """\
{
"mode": "Add",
"data": [
{
"id": "12345",
"date": "2024-11-06T10:10:00.055Z",
"timeZone": "Pacific Standard Time",
"websiteId": 1,
"status": "Completed",
"currency": "USD",
"totalValue": 150.00,
"returnsValue": 0,
"customer": {
"email": "customer@example.com",
"phone": "+15551234567",
"crmId": "67890"
},
"products": [
{
"id": "p001",
"name": "Wireless Earbuds",
"price": 75.00,
"quantity": 2,
"returned": 0,
"url": "https://example.com/products/wireless-earbuds",
"imageUrl": "https://example.com/images/wireless-earbuds.jpg",
"category": "Electronics",
"productAttributes": [
{
"name": "Color",
"value": "Black"
},
{
"name": "Warranty",
"value": "1 Year"
}
]
}
],
"orderAttributes": [
{
"name": "Shipping Method",
"value": "Express"
},
{
"name": "Gift Wrap",
"value": "Yes"
}
]
}
]
}
"""


def get_order(client: httpx.Client, order_id: str) -> dict[str, Any]:
    response = client.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == 0
    data: dict[str, Any] = body["data"]
    return data


def test_the_vendor_example_is_accepted_as_printed(client: httpx.Client) -> None:
    response = client.post(
        "/orders", content=SEED_EXAMPLE, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {}
    order = get_order(client, "12345")
    assert order["date"] == "2024-11-06T10:10:00.055Z"
    assert order["timeZone"] == "Pacific Standard Time"
    assert order["status"] == "completed"  # sent as "Completed"
    assert order["totalValue"] == 150
    assert order["customer"]["email"] == "customer@example.com"
    assert order["customer"]["phone"] == "+15551234567"
    assert order["customer"]["crmId"] == "67890"
    assert isinstance(order["customer"]["id"], int)
    assert [a["name"] for a in order["products"][0]["productAttributes"]] == ["Color", "Warranty"]
    assert order["orderAttributes"] == [
        {"name": "Shipping Method", "value": "Express"},
        {"name": "Gift Wrap", "value": "Yes"},
    ]
    assert order["isDeleted"] is False


def test_add_stores_every_field_and_reads_back(client: httpx.Client) -> None:
    sent = valid_order(date="2024-05-01T12:00:00.000000Z", status="Paid")
    assert client.post("/orders", json=batch(sent)).status_code == 201
    got = get_order(client, sent["id"])
    # Trailing zeros of the fraction are dropped, as the vendor's serializer does.
    assert got["date"] == "2024-05-01T12:00:00Z"
    assert got["status"] == "paid"
    for key in ("timeZone", "websiteId", "currency", "totalValue", "returnsValue"):
        assert got[key] == sent[key], key
    assert got["products"] == sent["products"]
    assert got["orderAttributes"] == sent["orderAttributes"]
    assert got["customer"]["email"] == "jonas.lind@example.com"
    assert got["customer"]["id"] == 1001  # the demo customer with that email


def test_add_of_an_existing_id_is_refused_and_keeps_the_stored_order(
    client: httpx.Client,
) -> None:
    first = valid_order(currency="EUR")
    assert client.post("/orders", json=batch(first)).status_code == 201
    again = dict(first, currency="USD")
    response = client.post("/orders", json=batch(again))
    assert response.status_code == 400
    problem = response.json()
    assert problem["substatus"] == "OrderAlreadyExists"
    assert problem["errors"] == [f"data[0].id: An order with id '{first['id']}' already exists."]
    assert get_order(client, first["id"])["currency"] == "EUR"


def test_replace_changes_an_existing_order(client: httpx.Client) -> None:
    order = valid_order(currency="EUR")
    assert client.post("/orders", json=batch(order)).status_code == 201
    replaced = dict(order, currency="SEK", totalValue=99.5)
    response = client.post("/orders", json=batch(replaced, mode="Replace"))
    assert response.status_code == 201, response.text
    got = get_order(client, order["id"])
    assert (got["currency"], got["totalValue"]) == ("SEK", 99.5)


def test_replace_of_a_missing_order_is_404_and_stores_nothing(client: httpx.Client) -> None:
    order = valid_order()
    response = client.post("/orders", json=batch(order, mode="Replace"))
    assert response.status_code == 404
    assert response.json()["substatus"] == "OrderNotFound"
    assert client.get(f"/orders/{order['id']}").status_code == 404


def test_add_or_replace_adds_then_replaces(client: httpx.Client) -> None:
    order = valid_order(totalValue=10)
    assert client.post("/orders", json=batch(order, mode="AddOrReplace")).status_code == 201
    assert get_order(client, order["id"])["totalValue"] == 10
    order["totalValue"] = 20
    assert client.post("/orders", json=batch(order, mode="AddOrReplace")).status_code == 201
    assert get_order(client, order["id"])["totalValue"] == 20


def test_mode_is_read_case_insensitively(client: httpx.Client) -> None:
    order = valid_order()
    assert client.post("/orders", json=batch(order, mode="addorreplace")).status_code == 201


def test_one_bad_element_stores_none_of_the_batch(client: httpx.Client) -> None:
    good1, good2 = valid_order(), valid_order()
    bad = valid_order(currency="EURO")
    response = client.post("/orders", json=batch(good1, bad, good2))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "data[1].currency: The field currency must be a string of exactly 3 characters."
    ]
    for order in (good1, bad, good2):
        assert client.get(f"/orders/{order['id']}").status_code == 404


def test_add_batch_with_one_existing_id_stores_none(client: httpx.Client) -> None:
    existing = valid_order()
    assert client.post("/orders", json=batch(existing)).status_code == 201
    fresh = valid_order()
    response = client.post("/orders", json=batch(fresh, existing))
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("data[1].id:")
    assert client.get(f"/orders/{fresh['id']}").status_code == 404


def test_replace_batch_with_one_missing_id_changes_none(client: httpx.Client) -> None:
    existing = valid_order(currency="EUR")
    assert client.post("/orders", json=batch(existing)).status_code == 201
    changed = dict(existing, currency="NOK")
    response = client.post("/orders", json=batch(changed, valid_order(), mode="Replace"))
    assert response.status_code == 404
    assert get_order(client, existing["id"])["currency"] == "EUR"


def test_a_batch_may_not_name_one_id_twice(client: httpx.Client) -> None:
    order = valid_order()
    response = client.post("/orders", json=batch(order, order, mode="AddOrReplace"))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        f"data[1].id: The order id '{order['id']}' appears more than once in this request."
    ]
    assert client.get(f"/orders/{order['id']}").status_code == 404


def test_a_valid_batch_stores_every_order(client: httpx.Client) -> None:
    orders = [valid_order() for _ in range(5)]
    assert client.post("/orders", json=batch(*orders)).status_code == 201
    for order in orders:
        assert get_order(client, order["id"])["id"] == order["id"]


def test_unknown_extra_keys_sent_by_vendor_plugins_are_accepted(client: httpx.Client) -> None:
    order = valid_order(websiteId=None)
    order["customer"] = {"email": "guest@example.com", "consentsData": None, "crmId": "0"}
    body = {"mode": "AddOrReplace", "matchBy": "Email", "data": [order]}
    assert client.post("/orders", json=body).status_code == 201
    got = get_order(client, order["id"])
    assert got["websiteId"] is None
    assert "consentsData" not in got["customer"]


def test_get_unknown_order_is_404_problem(client: httpx.Client) -> None:
    response = client.get("/orders/no-such-order")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["substatus"] == "OrderNotFound"
    assert problem["status"] == 404
    assert problem["instance"] == "/orders/no-such-order"


def test_order_without_time_zone_reads_back_in_the_unit_zone(client: httpx.Client) -> None:
    order = valid_order()
    del order["timeZone"]
    assert client.post("/orders", json=batch(order)).status_code == 201
    assert get_order(client, order["id"])["timeZone"] == "UTC"


def test_order_without_status_has_none_until_changed(client: httpx.Client) -> None:
    order = valid_order()
    del order["status"]
    assert client.post("/orders", json=batch(order)).status_code == 201
    assert get_order(client, order["id"])["status"] is None


@pytest.mark.parametrize(
    ("sent", "stored"), [("paid", "paid"), ("Completed", "completed"), ("CANCELED", "canceled")]
)
def test_status_change(client: httpx.Client, sent: str, stored: str) -> None:
    order = valid_order(status="placed")
    assert client.post("/orders", json=batch(order)).status_code == 201
    response = client.put("/orders/status", json={"orderId": order["id"], "orderStatus": sent})
    assert response.status_code == 200
    assert response.json() == {}
    assert get_order(client, order["id"])["status"] == stored


def test_status_change_accepts_website_id(client: httpx.Client) -> None:
    order = valid_order()
    assert client.post("/orders", json=batch(order)).status_code == 201
    body = {"orderId": order["id"], "orderStatus": "paid", "websiteId": 1}
    assert client.put("/orders/status", json=body).status_code == 200


def test_status_change_of_unknown_order_is_404(client: httpx.Client) -> None:
    response = client.put("/orders/status", json={"orderId": new_id(), "orderStatus": "paid"})
    assert response.status_code == 404
    assert response.json()["substatus"] == "OrderNotFound"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"orderStatus": "paid"}, "orderId: The orderId field is required."),
        (
            {"orderId": "X", "orderStatus": "shipped"},
            "orderStatus: The value 'shipped' is not valid for orderStatus. "
            "Allowed values: placed, paid, completed, canceled.",
        ),
        ({"orderId": "X", "orderStatus": ""}, "orderStatus: The orderStatus field is required."),
        ({"orderId": "X"}, "orderStatus: The orderStatus field is required."),
        (
            {"orderId": 12, "orderStatus": "paid"},
            "orderId: The JSON value could not be converted to System.String.",
        ),
        (
            {"orderId": "X", "orderStatus": "paid", "websiteId": "1"},
            "websiteId: The JSON value could not be converted to System.Int32.",
        ),
        (["orderId"], "$: The JSON value could not be converted to an object."),
    ],
)
def test_status_change_validation(client: httpx.Client, body: Any, error: str) -> None:
    order = valid_order(status="placed")
    assert client.post("/orders", json=batch(order)).status_code == 201
    if isinstance(body, dict) and body.get("orderId") == "X":
        body = dict(body, orderId=order["id"])
    response = client.put("/orders/status", json=body)
    assert response.status_code == 400
    problem = response.json()
    assert problem["substatus"] == "OrderInvalidModelState"
    assert problem["errors"] == [error]
    assert get_order(client, order["id"])["status"] == "placed"


def test_delete_is_a_soft_delete(client: httpx.Client) -> None:
    order = valid_order()
    assert client.post("/orders", json=batch(order)).status_code == 201
    response = client.delete(f"/orders/{order['id']}")
    assert response.status_code == 200
    assert response.json()["data"]["isDeleted"] is True
    assert response.json()["data"]["id"] == order["id"]
    assert get_order(client, order["id"])["isDeleted"] is True
    # Deleting again is harmless; the order stays readable.
    assert client.delete(f"/orders/{order['id']}").status_code == 200


def test_delete_of_unknown_order_is_404(client: httpx.Client) -> None:
    response = client.delete(f"/orders/{new_id()}")
    assert response.status_code == 404
    assert response.json()["substatus"] == "OrderNotFound"


def test_add_of_a_deleted_id_is_refused_but_replace_restores_it(client: httpx.Client) -> None:
    order = valid_order()
    assert client.post("/orders", json=batch(order)).status_code == 201
    assert client.delete(f"/orders/{order['id']}").status_code == 200
    assert client.post("/orders", json=batch(order)).json()["substatus"] == "OrderAlreadyExists"
    assert client.post("/orders", json=batch(order, mode="Replace")).status_code == 201
    assert get_order(client, order["id"])["isDeleted"] is False


def test_order_ids_with_reserved_characters_are_addressable(client: httpx.Client) -> None:
    order = valid_order(new_id("A #?&%"))
    assert client.post("/orders", json=batch(order)).status_code == 201
    assert get_order(client, quote(order["id"], safe=""))["id"] == order["id"]


@pytest.mark.parametrize("raw_id", ["/", "a/b/", "%2F", "100%", "a%2Fb/c"])
def test_order_ids_holding_slashes_or_escapes_stay_one_segment(
    client: httpx.Client, raw_id: str
) -> None:
    order = valid_order(new_id(raw_id))
    segment = quote(order["id"], safe="")
    assert client.get(f"/orders/{segment}").status_code == 404  # a miss, not a redirect
    assert client.post("/orders", json=batch(order)).status_code == 201
    assert get_order(client, segment)["id"] == order["id"]
    log = client.get("/_sandbox/requests").json()["log"]
    assert log[-1]["route"] == "/orders/{orderId}"
    assert client.delete(f"/orders/{segment}").status_code == 200
