import pytest

from adapters.expertsender.paths import split_vendor_path, vendor_to_domain


def test_split_vendor_path() -> None:
    assert split_vendor_path("data[0].products[12].name") == ["data", 0, "products", 12, "name"]


@pytest.mark.parametrize(
    ("vendor", "domain"),
    [
        ("data[0].id", ("orderId",)),
        ("data[0].date", ("createdAt",)),
        ("data[0].timeZone", ("timeZone",)),
        ("data[0].websiteId", ("websiteId",)),
        ("data[0].status", ("status",)),
        ("data[0].currency", ("currency",)),
        ("data[0].totalValue", ("total",)),
        ("data[0].returnsValue", ("returnsValue",)),
        ("data[0].customer", ("contact",)),
        ("data[0].customer.email", ("contact", "email")),
        ("data[0].customer.phone", ("contact", "phone")),
        ("data[0].customer.crmId", ("contact", "externalId")),
        ("data[0].products", ("lines",)),
        ("data[0].products[1].id", ("lines", "1", "sku")),
        ("data[0].products[1].price", ("lines", "1", "unitPrice")),
        ("data[0].products[1].returned", ("lines", "1", "returnedQuantity")),
        ("data[0].products[1].imageUrl", ("lines", "1", "imageUrl")),
        (
            "data[0].products[1].productAttributes[2].name",
            ("lines", "1", "attributes", "2", "name"),
        ),
        ("data[0].orderAttributes[0].value", ("attributes", "0", "value")),
        ("Data[0].Products[0].Name", ("lines", "0", "name")),
        ("orderStatus", ("status",)),
        ("orderId", ("orderId",)),
    ],
)
def test_vendor_paths_become_gateway_paths(vendor: str, domain: tuple[str, ...]) -> None:
    assert vendor_to_domain(vendor) == domain


def test_product_index_is_translated_to_the_line_it_came_from() -> None:
    # Line 1 was a return folded into line 0, so product 1 is line 2.
    assert vendor_to_domain("data[0].products[1].name", (0, 2)) == ("lines", "2", "name")


@pytest.mark.parametrize(
    "vendor", ["mode", "data[0].unknown", "data[0].customer.fax", "data[0].products[0].x", ""]
)
def test_paths_without_a_gateway_field_are_none(vendor: str) -> None:
    assert vendor_to_domain(vendor) is None
