"""Order endpoints and the job life cycle, over real HTTP."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sandbox.engage.app import create_app
from sandbox.engage.demo import CONTACTS, DEMO_INDEX
from sandbox.engage.settings import EngageSandboxSettings
from tests.sandbox.engage.conftest import engage_client, new_order, wait_for_job, write_and_wait
from tests.support.servers import serve

ANNA = CONTACTS[0].contact_id
MANY = next(c.contact_id for c in CONTACTS if c.email == "many.orders@example.com")


def test_get_order_returns_the_stored_document_with_server_fields(reader: httpx.Client) -> None:
    answer = reader.get("/api/v3/orders/ENG-1001")
    assert answer.status_code == 200
    order = answer.json()
    assert order["orderId"] == "ENG-1001"
    assert order["contactId"] == ANNA
    assert order["type"] == "Purchase"
    assert order["versionTag"]


def test_get_order_checks_the_contact_when_asked(reader: httpx.Client) -> None:
    assert reader.get("/api/v3/orders/ENG-1001", params={"contactId": ANNA}).status_code == 200
    other = CONTACTS[1].contact_id
    stranger = reader.get("/api/v3/orders/ENG-1001", params={"contactId": other})
    assert stranger.status_code == 404


def test_get_unknown_order_is_404(reader: httpx.Client) -> None:
    answer = reader.get("/api/v3/orders/NO-SUCH-ORDER")
    assert answer.status_code == 404
    assert answer.json()["errorCode"] == "OrderNotFound"


def test_order_type_follows_the_lines(reader: httpx.Client) -> None:
    for kind, expected in (("purchase", "Purchase"), ("return", "Return"), ("mixed", "Purchase")):
        for order_id in DEMO_INDEX["orders"][kind]:
            order = reader.get(f"/api/v3/orders/{order_id}").json()
            line_types = {line.get("type", "Purchase") for line in order["lineItems"]["items"]}
            assert order["type"] == expected, order_id
            assert ("Return" in line_types) == (kind != "purchase"), order_id


def test_list_pages_through_every_order_following_links(reader: httpx.Client) -> None:
    first = reader.get("/api/v3/orders", params={"contactId": MANY, "count": 25})
    assert first.status_code == 200
    page = first.json()
    assert page["totalCount"] >= 50
    seen = [o["orderId"] for o in page["items"]]
    assert [link["rel"] for link in page["links"]] == ["next"]
    while any(link["rel"] == "next" for link in page["links"]):
        href = next(link["href"] for link in page["links"] if link["rel"] == "next")
        page = reader.get(href).json()
        assert any(link["rel"] == "previous" for link in page["links"])
        seen += [o["orderId"] for o in page["items"]]
    assert len(seen) == len(set(seen)) == page["totalCount"]
    assert all(reader.get(f"/api/v3/orders/{oid}").json()["contactId"] == MANY for oid in seen[:3])


def test_list_is_newest_first_with_default_page_of_ten(reader: httpx.Client) -> None:
    page = reader.get("/api/v3/orders", params={"contactId": MANY}).json()
    assert len(page["items"]) == 10
    created = [o["createdAt"] for o in page["items"]]
    assert created == sorted(created, reverse=True)


def test_previous_link_goes_back(reader: httpx.Client) -> None:
    page = reader.get("/api/v3/orders", params={"contactId": ANNA, "offset": 3, "count": 2}).json()
    previous = next(link["href"] for link in page["links"] if link["rel"] == "previous")
    back = reader.get(previous).json()
    first = reader.get("/api/v3/orders", params={"contactId": ANNA, "offset": 1, "count": 2}).json()
    assert back["items"] == first["items"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 400, "InvalidContactId"),
        ({"contactId": "not-a-guid"}, 400, "InvalidContactId"),
        ({"contactId": ANNA, "count": "0"}, 400, "InvalidPaging"),
        ({"contactId": ANNA, "count": "101"}, 400, "InvalidPaging"),
        ({"contactId": ANNA, "offset": "-1"}, 400, "InvalidPaging"),
        ({"contactId": ANNA, "offset": "x"}, 400, "InvalidPaging"),
        ({"contactId": "00000000-0000-0000-0000-000000000000"}, 404, "ContactNotFound"),
    ],
)
def test_list_rejects_bad_queries(
    reader: httpx.Client, params: dict[str, str], status: int, code: str
) -> None:
    answer = reader.get("/api/v3/orders", params=params)
    assert answer.status_code == status
    assert answer.json()["errorCode"] == code


def test_create_goes_from_202_through_processing_to_302() -> None:
    # Job steps a busy machine cannot skip between two looks (the order is not there yet; the
    # job is seen Processing).
    settings = EngageSandboxSettings(job_delay_ms=1000)
    with serve(create_app(settings)) as srv, engage_client(srv) as c:
        accepted = c.post("/api/v3/orders", json=new_order("NEW-1"))
        assert accepted.status_code == 202
        job = accepted.json()
        assert job["status"] == "Pending"
        assert job["orderId"] == "NEW-1"
        assert accepted.headers["location"] == job["href"]
        assert c.get("/api/v3/orders/NEW-1").status_code == 404  # not processed yet
        states = [job["status"]]
        deadline = time.monotonic() + 30
        answer = c.get(job["href"])
        while answer.status_code == 200 and time.monotonic() < deadline:
            if answer.json()["status"] != states[-1]:
                states.append(answer.json()["status"])
            time.sleep(0.02)
            answer = c.get(job["href"])
        assert answer.status_code == 302
        assert states == ["Pending", "Processing"]
        done = answer.json()
        assert done["status"] == "Completed"
        assert done["operation"] == "Create"
        assert done["completedAt"]
        assert answer.headers["location"].endswith("/api/v3/orders/NEW-1")
        order = c.get(answer.headers["location"]).json()
        assert order["versionTag"] == done["versionTag"]
        assert order["contactId"] == ANNA


def test_following_the_redirect_lands_on_the_order(client: httpx.Client) -> None:
    accepted = client.post("/api/v3/orders", json=new_order("NEW-2"))
    wait_for_job(client, accepted.json()["href"])
    followed = client.get(accepted.json()["href"], follow_redirects=True)
    assert followed.status_code == 200
    assert followed.json()["orderId"] == "NEW-2"


def test_create_keeps_the_document(client: httpx.Client) -> None:
    sent = new_order("NEW-3", externalStatus="Picked", references=["ENG-1001"], channel="Ecom")
    write_and_wait(client, "POST", "/api/v3/orders", sent)
    stored = client.get("/api/v3/orders/NEW-3").json()
    for key, value in sent.items():
        assert stored[key] == value, key


def test_create_of_an_existing_order_is_409(reader: httpx.Client) -> None:
    answer = reader.post("/api/v3/orders", json=new_order("ENG-1001"))
    assert answer.status_code == 409
    assert answer.json()["errorCode"] == "OrderAlreadyExists"


def test_duplicate_create_race_fails_the_second_job_with_409(client: httpx.Client) -> None:
    first = client.post("/api/v3/orders", json=new_order("RACE-1"))
    second = client.post("/api/v3/orders", json=new_order("RACE-1", status="Completed"))
    assert first.status_code == second.status_code == 202
    assert wait_for_job(client, first.json()["href"]).status_code == 302
    lost = wait_for_job(client, second.json()["href"])
    assert lost.status_code == 409
    body = lost.json()
    assert body["status"] == "Failed"
    assert body["errorCode"] == "OrderAlreadyExists"
    assert body["jobId"] == second.json()["jobId"]
    assert lost.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v3/orders/RACE-1").json()["status"] == "InProgress"


def test_concurrent_creates_store_exactly_one(client: httpx.Client, engage: object) -> None:
    def post(_: int) -> httpx.Response:
        return client.post("/api/v3/orders", json=new_order("RACE-2"))

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(post, range(8)))
    accepted = [a for a in answers if a.status_code == 202]
    assert accepted and all(a.status_code in (202, 409) for a in answers)
    finals = [wait_for_job(client, a.json()["href"]).status_code for a in accepted]
    assert finals.count(302) == 1
    assert finals.count(409) == len(accepted) - 1


def test_unknown_contact_completes_with_errors_and_stores_without_contact(
    client: httpx.Client,
) -> None:
    order = new_order("NEW-4", contact={"matchKey": "ghost@example.com", "matchKeyType": "Email"})
    done = write_and_wait(client, "POST", "/api/v3/orders", order)
    assert done.status_code == 302
    assert done.json()["status"] == "CompletedWithErrors"
    assert {"code": "ContactMissing", "message": "Contact is missing"} in done.json()["warnings"]
    assert client.get("/api/v3/orders/NEW-4").json()["contactId"] is None


def test_unknown_article_and_store_are_warnings(client: httpx.Client) -> None:
    order = new_order("NEW-5", externalStoreId="NO-STORE")
    order["lineItems"]["items"][0]["article"]["sku"] = "NO-SKU"
    done = write_and_wait(client, "POST", "/api/v3/orders", order).json()
    assert done["status"] == "Completed"
    codes = {w["code"] for w in done["warnings"]}
    assert codes == {"ArticleMissing", "StoreMissing"}


def test_match_key_type_is_case_insensitive(client: httpx.Client) -> None:
    order = new_order("NEW-6", contact={"matchKey": "EXT-1002", "matchKeyType": "externalid"})
    done = write_and_wait(client, "POST", "/api/v3/orders", order).json()
    assert done["status"] == "Completed"
    stored = client.get("/api/v3/orders/NEW-6").json()
    assert stored["contactId"] == CONTACTS[1].contact_id
    assert stored["contact"]["matchKeyType"] == "ExternalId"


def test_replace_makes_a_new_version(client: httpx.Client) -> None:
    before = client.get("/api/v3/orders/ENG-1002").json()
    replacement = new_order("ENG-1002", status="Cancelled")
    done = write_and_wait(client, "PUT", "/api/v3/orders/ENG-1002", replacement)
    assert done.status_code == 302
    assert done.json()["operation"] == "Replace"
    after = client.get("/api/v3/orders/ENG-1002").json()
    assert after["status"] == "Cancelled"
    assert after["versionTag"] == done.json()["versionTag"] != before["versionTag"]
    assert after["lineItems"] == replacement["lineItems"]


def test_replace_turns_a_purchase_into_a_return(client: httpx.Client) -> None:
    replacement = new_order("ENG-1002")
    replacement["lineItems"]["items"][0]["type"] = "Return"
    write_and_wait(client, "PUT", "/api/v3/orders/ENG-1002", replacement)
    assert client.get("/api/v3/orders/ENG-1002").json()["type"] == "Return"


def test_replace_of_unknown_order_is_404(reader: httpx.Client) -> None:
    answer = reader.put("/api/v3/orders/NOPE-1", json=new_order("NOPE-1"))
    assert answer.status_code == 404
    assert answer.json()["errorCode"] == "OrderNotFound"


def test_replace_with_another_order_id_in_the_body_is_400(reader: httpx.Client) -> None:
    answer = reader.put("/api/v3/orders/ENG-1002", json=new_order("ENG-1003"))
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "orderId"


def test_delete_is_asynchronous_and_ends_200(client: httpx.Client) -> None:
    done = write_and_wait(client, "DELETE", "/api/v3/orders/ENG-1005")
    assert done.status_code == 200
    assert done.json()["status"] == "Completed"
    assert done.json()["operation"] == "Delete"
    assert client.get("/api/v3/orders/ENG-1005").status_code == 404
    assert client.delete("/api/v3/orders/ENG-1005").status_code == 404


def test_change_status_keeps_the_rest(client: httpx.Client) -> None:
    before = client.get("/api/v3/orders/ENG-1006").json()
    body = {"status": "completed", "externalStatus": "Delivered"}
    done = write_and_wait(client, "POST", "/api/v3/orders/ENG-1006/change-status", body)
    assert done.status_code == 302
    assert done.json()["operation"] == "ChangeStatus"
    after = client.get("/api/v3/orders/ENG-1006").json()
    assert (after["status"], after["externalStatus"]) == ("Completed", "Delivered")
    assert after["lineItems"] == before["lineItems"]
    assert after["versionTag"] != before["versionTag"]


def test_change_delivery_merges_into_delivery(client: httpx.Client) -> None:
    before = client.get("/api/v3/orders/ENG-1006").json()
    body = {"trackingNumber": "NEW123", "deliveryDate": "2025-12-24"}
    done = write_and_wait(client, "POST", "/api/v3/orders/ENG-1006/change-delivery", body)
    assert done.json()["operation"] == "ChangeDelivery"
    delivery = client.get("/api/v3/orders/ENG-1006").json()["delivery"]
    assert delivery["trackingNumber"] == "NEW123"
    assert delivery["deliveryDate"] == "2025-12-24"
    assert delivery["method"] == before["delivery"]["method"]


@pytest.mark.parametrize("path", ["change-status", "change-delivery"])
def test_changes_to_unknown_orders_are_404(reader: httpx.Client, path: str) -> None:
    body = {"status": "Completed", "method": "DHL"}
    assert reader.post(f"/api/v3/orders/NOPE-2/{path}", json=body).status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [("change-status", {}), ("change-status", {"status": "Shipped"}), ("change-delivery", {})],
)
def test_changes_with_bad_bodies_are_400(reader: httpx.Client, path: str, body: object) -> None:
    answer = reader.post(f"/api/v3/orders/ENG-1006/{path}", json=body)
    assert answer.status_code == 400
    assert answer.json()["errors"]


def test_unknown_job_is_404(reader: httpx.Client) -> None:
    answer = reader.get("/api/v3/orders/jobs/00000000-0000-0000-0000-000000000000")
    assert answer.status_code == 404
    assert answer.json()["errorCode"] == "JobNotFound"


def test_writes_to_one_order_apply_in_the_order_accepted(client: httpx.Client) -> None:
    first = client.post("/api/v3/orders/ENG-2004/change-status", json={"externalStatus": "A"})
    second = client.post("/api/v3/orders/ENG-2004/change-status", json={"externalStatus": "B"})
    wait_for_job(client, first.json()["href"])
    last = wait_for_job(client, second.json()["href"]).json()
    order = client.get("/api/v3/orders/ENG-2004").json()
    assert order["externalStatus"] == "B"
    assert order["versionTag"] == last["versionTag"]


def test_a_job_whose_order_vanished_fails_with_422(client: httpx.Client) -> None:
    deleted = client.delete("/api/v3/orders/ENG-3001")
    replaced = client.put("/api/v3/orders/ENG-3001", json=new_order("ENG-3001"))
    assert deleted.status_code == replaced.status_code == 202
    assert wait_for_job(client, deleted.json()["href"]).status_code == 200
    failed = wait_for_job(client, replaced.json()["href"])
    assert failed.status_code == 422
    body = failed.json()
    assert (body["status"], body["errorCode"], body["operation"]) == (
        "Failed",
        "OrderNotFound",
        "Replace",
    )
    assert body["errors"][0]["code"] == "OrderNotFound"
    assert client.get("/api/v3/orders/ENG-3001").status_code == 404


def test_an_ambiguous_contact_key_links_no_contact(client: httpx.Client) -> None:
    shared_phone = {"matchKey": "+46705550100", "matchKeyType": "MobilePhone"}
    done = write_and_wait(
        client, "POST", "/api/v3/orders", new_order("AMB-1", contact=shared_phone)
    )
    assert done.json()["status"] == "CompletedWithErrors"
    assert client.get("/api/v3/orders/AMB-1").json()["contactId"] is None
