"""Every query of the contract, over real HTTP, against the gateway in sandbox mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.model import Vendor
from gateway.ids import GlobalId, NodeType, decode_id, encode_id
from tests.gateway.e2e.orders_support import DEMO, data, requests, reset_requests
from tests.support.gateway import GatewayHandle, sandbox_gateway

VENDORS = [Vendor.ENGAGE, Vendor.EXPERTSENDER]

ORDER_FIELDS = """
  id vendor orderId status vendorStatus externalStatus type createdAt lastChangedAt currency
  total returnsValue storeId websiteId channel versionTag isDeleted
  lines { lineId sku name type quantity returnedQuantity unitPrice totalPrice url imageUrl
          category attributes { name value } discounts { amount } taxes { amount percent } }
  payments { amount method reference } discounts { amount type description }
  fees { amount type taxes { amount } } taxes { amount }
  delivery { method trackingNumber trackingUri deliveryDate }
  billingAddress { firstName lastName street zipCode city countryCode email phone }
  shippingAddress { firstName city }
  attributes { name value }
"""


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def test_vendors_say_how_they_are_reached_and_what_they_can_do(gw: GatewayHandle) -> None:
    vendors = data(gw.post("{ vendors { vendor configured sandbox capabilities } }"))["vendors"]
    by_vendor = {v["vendor"]: v for v in vendors}
    assert set(by_vendor) == {"ENGAGE", "EXPERTSENDER"}
    assert all(v["sandbox"] for v in vendors)
    assert {"actions", "listByContact", "asyncJobs"} <= set(by_vendor["ENGAGE"]["capabilities"])
    assert "actions" not in by_vendor["EXPERTSENDER"]["capabilities"]
    assert "listByContact" not in by_vendor["EXPERTSENDER"]["capabilities"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_order_by_id_with_its_contact(gw: GatewayHandle, vendor: Vendor) -> None:
    demo = DEMO[vendor]
    query = f"""query($v: Vendor!, $id: String!) {{
      order(vendor: $v, orderId: $id) {{ {ORDER_FIELDS} contact {{ id contactId email }} }}
    }}"""
    order = data(gw.post(query, {"v": vendor.value, "id": demo["order"]}))["order"]
    assert order["orderId"] == demo["order"]
    assert order["vendor"] == vendor.value
    assert decode_id(order["id"]) == GlobalId(NodeType.ORDER, vendor, demo["order"])
    assert order["lines"] and all(line["sku"] for line in order["lines"])
    assert order["status"] == "COMPLETED"
    assert order["isDeleted"] is False
    assert order["contact"]["email"] == demo["email"]
    contact_id = decode_id(order["contact"]["id"])
    assert contact_id == GlobalId(NodeType.CONTACT, vendor, order["contact"]["contactId"])


@pytest.mark.parametrize("vendor", VENDORS)
def test_unknown_order_is_null(gw: GatewayHandle, vendor: Vendor) -> None:
    result = data(
        gw.post(
            'query($v: Vendor!) { order(vendor: $v, orderId: "NOPE-1") { id } }',
            {"v": vendor.value},
        )
    )
    assert result == {"order": None}


@pytest.mark.parametrize("vendor", VENDORS)
def test_orders_in_the_order_asked_with_nulls(gw: GatewayHandle, vendor: Vendor) -> None:
    demo = DEMO[vendor]
    ids = [demo["return"], "NOPE-2", demo["order"]]
    result = data(
        gw.post(
            "query($v: Vendor!, $ids: [String!]!) "
            "{ orders(vendor: $v, orderIds: $ids) { orderId } }",
            {"v": vendor.value, "ids": ids},
        )
    )
    assert result["orders"] == [{"orderId": ids[0]}, None, {"orderId": ids[2]}]


@pytest.mark.parametrize("vendor", VENDORS)
def test_node_resolves_orders_and_contacts(gw: GatewayHandle, vendor: Vendor) -> None:
    demo = DEMO[vendor]
    order_id = encode_id(NodeType.ORDER, vendor, demo["order"])
    query = """query($id: ID!) { node(id: $id) {
        id __typename
        ... on Order { orderId contact { id email } }
        ... on Contact { email }
    } }"""
    order = data(gw.post(query, {"id": order_id}))["node"]
    assert order["__typename"] == "Order" and order["orderId"] == demo["order"]
    contact = data(gw.post(query, {"id": order["contact"]["id"]}))["node"]
    assert contact == {
        "id": order["contact"]["id"],
        "__typename": "Contact",
        "email": demo["email"],
    }


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("key", ["email", "contactId", "externalId"])
def test_contact_by_any_one_key(gw: GatewayHandle, vendor: Vendor, key: str) -> None:
    fields = "id contactId email phone externalId firstName lastName"
    by_email = data(
        gw.post(
            f"query($v: Vendor!, $e: String!) {{ contact(vendor: $v, email: $e) {{ {fields} }} }}",
            {"v": vendor.value, "e": DEMO[vendor]["email"]},
        )
    )["contact"]
    assert by_email["email"] == DEMO[vendor]["email"] and by_email["firstName"]
    value = by_email[key]
    assert value, f"demo contact has no {key}"
    again = data(
        gw.post(
            f"query($v: Vendor!, $k: String!) {{ contact(vendor: $v, {key}: $k) {{ {fields} }} }}",
            {"v": vendor.value, "k": value},
        )
    )["contact"]
    assert again == by_email


@pytest.mark.parametrize("vendor", VENDORS)
def test_unknown_contact_is_null(gw: GatewayHandle, vendor: Vendor) -> None:
    result = gw.post(
        'query($v: Vendor!) { contact(vendor: $v, email: "nobody@example.com") { id } }',
        {"v": vendor.value},
    )
    assert data(result) == {"contact": None}


CONTACT_ORDERS = """query($v: Vendor!, $e: String!, $first: Int, $after: String) {
  contact(vendor: $v, email: $e) {
    email
    orders(first: $first, after: $after) {
      totalCount
      edges { cursor node { orderId lines { sku } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""


def _orders_page(gw: GatewayHandle, first: int, after: str | None = None) -> dict[str, Any]:
    variables = {"v": "ENGAGE", "e": DEMO[Vendor.ENGAGE]["email"], "first": first, "after": after}
    page: dict[str, Any] = data(gw.post(CONTACT_ORDERS, variables))["contact"]["orders"]
    return page


def test_contact_orders_page_through_relay_cursors(gw: GatewayHandle) -> None:
    total = DEMO[Vendor.ENGAGE]["contact_orders"]
    first = _orders_page(gw, 4)
    assert first["totalCount"] == total
    assert len(first["edges"]) == 4
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = _orders_page(gw, 4, first["pageInfo"]["endCursor"])
    assert len(second["edges"]) == total - 4
    assert not second["pageInfo"]["hasNextPage"] and second["pageInfo"]["hasPreviousPage"]
    seen = [e["node"]["orderId"] for e in first["edges"] + second["edges"]]
    assert len(set(seen)) == total
    assert DEMO[Vendor.ENGAGE]["order"] in seen


def test_contact_orders_resume_after_any_edge(gw: GatewayHandle) -> None:
    everything = [e["node"]["orderId"] for e in _orders_page(gw, 10)["edges"]]
    page = _orders_page(gw, 3)
    # Resuming after the second edge (not the page's end) continues from the third order.
    resumed = _orders_page(gw, 2, page["edges"][1]["cursor"])
    assert [e["node"]["orderId"] for e in resumed["edges"]] == everything[2:4]


def test_contact_orders_prime_the_order_loader(gw: GatewayHandle) -> None:
    reset_requests(gw, Vendor.ENGAGE)
    _orders_page(gw, 5)
    routes = requests(gw, Vendor.ENGAGE)["by_route"]
    # The list answers whole orders: nothing is read again order by order.
    assert "GET /api/v3/orders/{orderId}" not in routes
    assert routes["GET /api/v3/orders"] == 1


def test_contact_orders_on_expertsender_is_an_empty_connection_and_a_clear_error(
    gw: GatewayHandle,
) -> None:
    variables = {"v": "EXPERTSENDER", "e": DEMO[Vendor.EXPERTSENDER]["email"], "first": 5}
    result = gw.post(CONTACT_ORDERS, variables)
    contact = result["data"]["contact"]
    assert contact["email"] == DEMO[Vendor.EXPERTSENDER]["email"]
    assert contact["orders"]["edges"] == []
    assert contact["orders"]["pageInfo"]["hasNextPage"] is False
    [error] = result["errors"]
    assert error["path"] == ["contact", "orders"]
    assert error["extensions"] == {"code": "UNSUPPORTED_BY_VENDOR", "vendor": "EXPERTSENDER"}


@pytest.mark.parametrize("vendor", VENDORS)
def test_linked_orders_follow_references(gw: GatewayHandle, vendor: Vendor) -> None:
    query = """query($v: Vendor!, $id: String!) {
      order(vendor: $v, orderId: $id) { orderId linkedOrders { orderId vendor } }
    }"""
    order = data(gw.post(query, {"v": vendor.value, "id": DEMO[vendor]["return"]}))["order"]
    if vendor is Vendor.ENGAGE:
        # Engage returns name the order they return goods from (references).
        assert order["linkedOrders"] == [{"orderId": DEMO[vendor]["order"], "vendor": "ENGAGE"}]
    else:
        # ExpertSender orders carry no references.
        assert order["linkedOrders"] == []


def test_integration_log_is_queryable_and_paged(gw: GatewayHandle) -> None:
    # A refused write and a query on a vendor that cannot list both land in the log.
    gw.post(
        'mutation { triggerOrderAction(input: {vendor: EXPERTSENDER, orderId: "ES-1001", '
        "action: CONFIRM_ORDER}) { errors { code } } }"
    )
    for i in range(3):
        gw.post(
            "mutation($id: String!) { deleteOrder(input: {vendor: EXPERTSENDER, orderId: $id}) "
            "{ errors { code } } }",
            {"id": f"MISSING-{i}"},
        )
    query = """query($filter: IntegrationLogFilter, $first: Int, $after: String) {
      integrationLog(filter: $filter, first: $first, after: $after) {
        totalCount
        edges { cursor node { id at vendor severity code message orderId jobId contactId details } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }"""
    log_filter = {"vendor": "EXPERTSENDER", "severity": "WARNING"}
    first = data(gw.post(query, {"filter": log_filter, "first": 2}))["integrationLog"]
    assert first["totalCount"] >= 3
    assert first["pageInfo"]["hasNextPage"]
    nodes = [e["node"] for e in first["edges"]]
    assert [n["orderId"] for n in nodes] == ["MISSING-2", "MISSING-1"]
    assert all(n["code"] == "ORDER_NOT_FOUND" and n["severity"] == "WARNING" for n in nodes)
    second = data(
        gw.post(query, {"filter": log_filter, "first": 1, "after": first["pageInfo"]["endCursor"]})
    )["integrationLog"]
    assert second["edges"][0]["node"]["orderId"] == "MISSING-0"
    assert second["pageInfo"]["hasPreviousPage"]
    by_order = data(gw.post(query, {"filter": {"orderId": "MISSING-1"}}))["integrationLog"]
    assert [e["node"]["orderId"] for e in by_order["edges"]] == ["MISSING-1"]
    # Every entry is a node.
    node = data(
        gw.post(
            "query($id: ID!) { node(id: $id) { id ... on IntegrationLogEntry { code } } }",
            {"id": nodes[0]["id"]},
        )
    )["node"]
    assert node == {"id": nodes[0]["id"], "code": "ORDER_NOT_FOUND"}
    later = data(gw.post(query, {"filter": {"since": "2999-01-01T00:00:00Z"}}))["integrationLog"]
    assert later["edges"] == [] and later["totalCount"] == 0
