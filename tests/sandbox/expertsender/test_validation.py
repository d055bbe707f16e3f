"""Every documented field limit at its boundary, over HTTP: the limit is stored, one past is 400.

A custom business unit defines a 100-character time zone and 256-character attribute names, so
the longest allowed value of each exists and the boundary is about length, not the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from sandbox.expertsender import ExpertSenderSandboxSettings, create_app, inferred
from sandbox.expertsender.inferred import AttributeDefinition
from sandbox.expertsender.validation import normalise_date
from tests.sandbox.expertsender.conftest import AUTH, batch, valid_order, value_at, with_value
from tests.support.servers import serve

INT32_MAX = 2_147_483_647
LONG_ZONE = "Z" * 100
LONG_ORDER_ATTRIBUTE = "O" * 256
LONG_PRODUCT_ATTRIBUTE = "P" * 256
EMOJI = "\N{GRINNING FACE}"  # two UTF-16 code units


@pytest.fixture(scope="module")
def unit_url() -> Iterator[str]:
    defaults = ExpertSenderSandboxSettings()
    settings = replace(
        defaults,
        seed_demo_data=False,
        time_zones=defaults.time_zones | {LONG_ZONE, "Z" * 101},
        order_attributes=(
            *defaults.order_attributes,
            AttributeDefinition(90, LONG_ORDER_ATTRIBUTE),
            AttributeDefinition(91, "O" * 257),
        ),
        product_attributes=(
            *defaults.product_attributes,
            AttributeDefinition(92, LONG_PRODUCT_ATTRIBUTE),
            AttributeDefinition(93, "P" * 257),
        ),
    )
    with serve(create_app(settings), ws="none") as server:
        yield server.url


@pytest.fixture
def unit(unit_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=unit_url, headers=AUTH, timeout=10) as http:
        yield http


def accepted(client: httpx.Client, order: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/orders", json=batch(order))
    assert response.status_code == 201, response.text
    stored = client.get(f"/orders/{order['id']}")
    assert stored.status_code == 200
    data: dict[str, Any] = stored.json()["data"]
    return data


def rejected(client: httpx.Client, order: dict[str, Any], path: str) -> str:
    """Post ``order``; assert a 400 naming ``path`` (in ``data[0]``) and that nothing was stored."""
    response = client.post("/orders", json=batch(order))
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["substatus"] == "OrderInvalidModelState"
    assert problem["type"].startswith("https://")
    assert problem["title"] and problem["detail"] and problem["instance"] == "/orders"
    wire_path = "data[0]." + ".".join(f"[{k}]" if k.isdigit() else k for k in path.split("."))
    wire_path = wire_path.replace(".[", "[")
    matching = [e for e in problem["errors"] if e.startswith(wire_path + ": ")]
    assert matching, problem["errors"]
    if isinstance(order.get("id"), str) and order["id"]:
        assert client.get(f"/orders/{order['id']}").status_code == 404
    message: str = matching[0]
    return message


# (path in the order, longest accepted, shortest refused)
STRING_LIMITS = [
    ("id", "i" * 128, "i" * 129),
    ("products.0.id", "p" * 128, "p" * 129),
    ("products.0.name", "n" * 2048, "n" * 2049),
    ("products.0.url", "u" * 2048, "u" * 2049),
    ("products.0.imageUrl", "m" * 2048, "m" * 2049),
    ("products.0.category", "c" * 2048, "c" * 2049),
    ("customer.email", "e" * 308 + "@example.com", "e" * 309 + "@example.com"),
    ("customer.phone", "4" * 20, "4" * 21),
    ("customer.crmId", "r" * 128, "r" * 129),
    ("timeZone", LONG_ZONE, "Z" * 101),
    ("orderAttributes.0.name", LONG_ORDER_ATTRIBUTE, "O" * 257),
    ("products.0.productAttributes.0.name", LONG_PRODUCT_ATTRIBUTE, "P" * 257),
    ("currency", "SEK", "SE"),
    ("currency", "NOK", "NOKK"),
    # Lengths are counted in UTF-16 code units, as the vendor's .NET stack counts them.
    ("products.0.id", EMOJI * 64, EMOJI * 64 + "x"),
]


def _unique(order: dict[str, Any], path: str, value: str) -> dict[str, Any]:
    # Long ids must still be unique across the module's emulator.
    if path == "id":
        return with_value(order, "id", value[: -len(order["id"])] + order["id"])
    return with_value(order, path, value)


@pytest.mark.parametrize(("path", "longest", "too_long"), STRING_LIMITS)
def test_string_limit(unit: httpx.Client, path: str, longest: str, too_long: str) -> None:
    order = _unique(valid_order(), path, longest)
    stored = accepted(unit, order)
    assert value_at(stored, path) == value_at(order, path)
    message = rejected(unit, _unique(valid_order(), path, too_long), path)
    assert "length" in message or "exactly 3" in message


@pytest.mark.parametrize(
    ("path", "empty_message"),
    [
        ("id", "The id field is required."),
        ("products.0.id", "The id field is required."),
        ("products.0.name", "The name field is required."),
        ("orderAttributes.0.name", "The name field is required."),
        ("products.0.productAttributes.0.name", "The name field is required."),
    ],
)
def test_required_strings_refuse_empty(unit: httpx.Client, path: str, empty_message: str) -> None:
    order = with_value(valid_order(), path, "")
    response = unit.post("/orders", json=batch(order))
    assert response.status_code == 400
    assert any(e.endswith(empty_message) for e in response.json()["errors"])


# (path, boundary value accepted, value refused)
NUMBER_LIMITS = [
    ("products.0.quantity", INT32_MAX, INT32_MAX + 1),
    ("products.0.quantity", 0, -1),
    ("products.0.returned", INT32_MAX, INT32_MAX + 1),
    ("products.0.returned", 0, -1),
    ("websiteId", INT32_MAX, INT32_MAX + 1),
    ("websiteId", -(2**31), -(2**31) - 1),
    ("totalValue", 0, -0.01),
    ("returnsValue", 0, -0.01),
    ("totalValue", 1e300, -1),
]


@pytest.mark.parametrize(("path", "boundary", "outside"), NUMBER_LIMITS)
def test_number_limit(unit: httpx.Client, path: str, boundary: float, outside: float) -> None:
    order = with_value(valid_order(), path, boundary)
    assert value_at(accepted(unit, order), path) == boundary
    message = rejected(unit, with_value(valid_order(), path, outside), path)
    assert "between" in message or "greater than or equal" in message


WRONG_TYPES = [
    ("id", 12345, "System.String"),
    ("date", 20241106, "System.String"),
    ("totalValue", "150", "System.Double"),
    ("totalValue", True, "System.Double"),
    ("products.0.price", "75.00", "System.Double"),
    ("products.0.quantity", "2", "System.Int32"),
    ("products.0.quantity", 2.0, "System.Int32"),
    ("products.0.quantity", 1e30, "System.Int32"),
    ("products.0.returned", False, "System.Int32"),
    ("websiteId", "1", "System.Int32"),
    ("customer", "jonas.lind@example.com", "an object"),
    ("customer.email", ["a@example.com"], "System.String"),
    ("products", {"id": "p1"}, "an array"),
    ("products.0", "p001", "an object"),
    ("orderAttributes", {"name": "Gift Wrap"}, "an array"),
    ("orderAttributes.0.value", 5, "System.String"),
    ("products.0.productAttributes.0", None, "an object"),
    ("status", 1, "System.String"),
]


@pytest.mark.parametrize(("path", "value", "expected"), WRONG_TYPES)
def test_wrong_types_are_refused(unit: httpx.Client, path: str, value: Any, expected: str) -> None:
    message = rejected(unit, with_value(valid_order(), path, value), path)
    assert expected in message


REQUIRED = ["id", "date", "totalValue", "customer", "products", "products.0.id",
            "products.0.name", "products.0.price", "products.0.quantity"]  # fmt: skip


@pytest.mark.parametrize("path", REQUIRED)
@pytest.mark.parametrize("how", ["missing", "null"])
def test_required_fields(unit: httpx.Client, path: str, how: str) -> None:
    order = valid_order()
    if how == "null":
        order = with_value(order, path, None)
    else:
        parent_path, _, key = path.rpartition(".")
        parent = value_at(order, parent_path) if parent_path else order
        del parent[key]
    key = path.rsplit(".", 1)[-1]
    assert rejected(unit, order, path).endswith(f"The {key} field is required.")


@pytest.mark.parametrize("path", ["websiteId", "status", "currency", "returnsValue", "timeZone",
                                  "orderAttributes", "products.0.returned", "products.0.url",
                                  "products.0.productAttributes", "customer.phone"])  # fmt: skip
def test_optional_fields_may_be_null(unit: httpx.Client, path: str) -> None:
    accepted(unit, with_value(valid_order(), path, None))


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("2024-11-06T10:10:00Z", "2024-11-06T10:10:00Z"),
        ("2024-11-06T10:10:00.1Z", "2024-11-06T10:10:00.1Z"),
        ("2024-11-06T10:10:00.1234567Z", "2024-11-06T10:10:00.1234567Z"),
        ("2024-05-01T12:00:00.000000Z", "2024-05-01T12:00:00Z"),
        ("2024-02-29T23:59:59.990Z", "2024-02-29T23:59:59.99Z"),
    ],
)
def test_accepted_dates(unit: httpx.Client, value: str, stored: str) -> None:
    assert accepted(unit, valid_order(date=value))["date"] == stored


@pytest.mark.parametrize(
    "value",
    [
        "2024-11-06T10:10:00.12345678Z",  # 8 fractional digits
        "2024-11-06T10:10:00+01:00",
        "2024-11-06T10:10:00",
        "2024-11-06",
        "2023-02-29T10:10:00Z",
        "2024-13-01T10:10:00Z",
        "2024-11-06T24:00:00Z",
        "06/11/2024 10:10",
        "",
    ],
)
def test_refused_dates(unit: httpx.Client, value: str) -> None:
    rejected(unit, valid_order(date=value), "date")


def test_date_normalisation_is_lossless_for_every_fraction_length() -> None:
    for digits in range(1, 8):
        fraction = "1" * digits
        assert normalise_date(f"2024-01-01T00:00:00.{fraction}Z") == (
            f"2024-01-01T00:00:00.{fraction}Z"
        )


@pytest.mark.parametrize("zone", ["GMT", "Europe/Stockholm", "utc"])
def test_time_zones_outside_the_allow_list_are_refused(unit: httpx.Client, zone: str) -> None:
    message = rejected(unit, valid_order(timeZone=zone), "timeZone")
    assert message.endswith(f"The time zone '{zone}' is not supported.")


@pytest.mark.parametrize("zone", ["UTC", "Pacific Standard Time", "W. Europe Standard Time"])
def test_time_zones_on_the_allow_list_are_accepted(unit: httpx.Client, zone: str) -> None:
    assert accepted(unit, valid_order(timeZone=zone))["timeZone"] == zone


@pytest.mark.parametrize("status", ["shipped", "cancelled", "PLACED "])
def test_unknown_status_is_refused(unit: httpx.Client, status: str) -> None:
    rejected(unit, valid_order(status=status), "status")


@pytest.mark.parametrize("status", inferred.STATUSES)
def test_every_documented_status_is_accepted(unit: httpx.Client, status: str) -> None:
    assert accepted(unit, valid_order(status=status.upper()))["status"] == status


def test_unknown_attribute_names_are_refused(unit: httpx.Client) -> None:
    order = valid_order(orderAttributes=[{"name": "Colour Of Box", "value": "Red"}])
    assert "is not defined" in rejected(unit, order, "orderAttributes.0.name")
    product = with_value(valid_order(), "products.0.productAttributes.0.name", "color")
    assert "is not defined" in rejected(unit, product, "products.0.productAttributes.0.name")


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("Loyalty Points", "120", "lots"),
        ("Delivery Date", "2024-11-08", "next week"),
    ],
)
def test_attribute_values_follow_their_type(
    unit: httpx.Client, name: str, good: str, bad: str
) -> None:
    accepted(unit, valid_order(orderAttributes=[{"name": name, "value": good}]))
    order = valid_order(orderAttributes=[{"name": name, "value": bad}])
    assert "must be" in rejected(unit, order, "orderAttributes.0.value")


def test_url_attributes_must_be_absolute(unit: httpx.Client) -> None:
    path = "products.0.productAttributes.0"
    accepted(unit, with_value(valid_order(), path, {"name": "Manual", "value": "https://x.io/m"}))
    for bad in ("/manuals/1.pdf", "ftp://x.io/m", "http://[::1"):
        order = with_value(valid_order(), path, {"name": "Manual", "value": bad})
        rejected(unit, order, path + ".value")


@pytest.mark.parametrize(
    "customer", [{}, {"email": None, "phone": None}, {"email": "", "phone": "  "}, {"x": "y"}]
)
def test_a_customer_needs_an_identifier(unit: httpx.Client, customer: dict[str, Any]) -> None:
    message = rejected(unit, valid_order(customer=customer), "customer")
    assert message.endswith("at least one identifier: email, phone or crmId.")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"data": [valid_order()]}, "mode: The mode field is required."),
        ({"mode": "Upsert", "data": [valid_order()]}, "mode: The value 'Upsert' is not valid"),
        ({"mode": "Add"}, "data: The data field is required."),
        ({"mode": "Add", "data": []}, "data: The field data must contain at least one element."),
        ({"mode": "Add", "data": {}}, "data: The JSON value could not be converted to an array."),
        ([], "$: The JSON value could not be converted to an object."),
        ("Add", "$: The JSON value could not be converted to an object."),
    ],
)
def test_request_envelope(unit: httpx.Client, body: Any, error: str) -> None:
    response = unit.post("/orders", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith(error)


def test_every_problem_is_listed_at_once(unit: httpx.Client) -> None:
    order = valid_order(currency="EURO", totalValue=-1)
    order = with_value(order, "products.0.quantity", -5)
    response = unit.post("/orders", json=batch(order))
    errors = response.json()["errors"]
    assert [e.split(":")[0] for e in errors] == [
        "data[0].currency",
        "data[0].totalValue",
        "data[0].products[0].quantity",
    ]


def test_required_attributes_of_the_catalogue() -> None:
    settings = ExpertSenderSandboxSettings(
        seed_demo_data=False,
        order_attributes=(AttributeDefinition(1, "Shipping Method", required=True),),
    )
    with (
        serve(create_app(settings), ws="none") as server,
        httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as client,
    ):
        order = valid_order(orderAttributes=[])
        message = rejected(client, order, "orderAttributes")
        assert "'Shipping Method' is required" in message
        del order["orderAttributes"]
        rejected(client, order, "orderAttributes")
        order["orderAttributes"] = [{"name": "Shipping Method", "value": "Express"}]
        accepted(client, order)
