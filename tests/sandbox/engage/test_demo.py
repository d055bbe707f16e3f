"""The seeded demo data: what the README quotes exists, is valid and is reachable over HTTP."""

from __future__ import annotations

import httpx

from sandbox.engage.app import create_app
from sandbox.engage.demo import ALL_ORDERS, DEMO_INDEX, order_body
from sandbox.engage.settings import EngageSandboxSettings
from sandbox.engage.validation import validate_order
from tests.sandbox.engage.conftest import engage_client
from tests.support.servers import serve


def test_every_demo_order_is_a_valid_document() -> None:
    for order_id, email, lines, status, day in ALL_ORDERS:
        _, errors = validate_order(order_body(order_id, email, lines, status, day))
        assert errors == [], (order_id, errors)


def test_indexed_contacts_resolve_and_own_their_orders(reader: httpx.Client) -> None:
    for contact in DEMO_INDEX["contacts"]:
        found = reader.get("/api/v3/contacts/id", params={"customKey": contact["externalId"]})
        assert found.json() == contact["contactId"]
        page = reader.get("/api/v3/orders", params={"contactId": contact["contactId"]}).json()
        assert page["totalCount"] == contact["orders"]


def test_one_contact_owns_at_least_fifty_orders(reader: httpx.Client) -> None:
    email = DEMO_INDEX["many_orders_contact"]["email"]
    contact_id = reader.get("/api/v3/contacts/id", params={"email": email}).json()
    page = reader.get("/api/v3/orders", params={"contactId": contact_id}).json()
    assert page["totalCount"] >= 50


def test_indexed_orders_exist_with_their_kind(reader: httpx.Client) -> None:
    for kind, order_ids in DEMO_INDEX["orders"].items():
        assert order_ids, kind
        for order_id in order_ids:
            order = reader.get(f"/api/v3/orders/{order_id}").json()
            types = {line["type"] for line in order["lineItems"]["items"]}
            expected = {"purchase": {"Purchase"}, "return": {"Return"}}.get(kind)
            assert types == (expected or {"Purchase", "Return"}), order_id
            assert order["versionTag"] and order["contactId"]
    orphan = reader.get(f"/api/v3/orders/{DEMO_INDEX['order_without_contact']}").json()
    assert orphan["contactId"] is None


def test_every_demo_order_has_its_own_version_tag(reader: httpx.Client) -> None:
    contact_id = DEMO_INDEX["contacts"][0]["contactId"]
    page = reader.get("/api/v3/orders", params={"contactId": contact_id, "count": 100}).json()
    tags = [order["versionTag"] for order in page["items"]]
    assert len(tags) == len(set(tags))


def test_demo_data_can_be_switched_off() -> None:
    app = create_app(EngageSandboxSettings(seed_demo_data=False))
    with serve(app) as srv, engage_client(srv) as c:
        assert c.get("/api/v3/orders/ENG-1001").status_code == 404
        assert (
            c.get("/api/v3/contacts/id", params={"email": "anna.berg@example.com"}).status_code
            == 404
        )
