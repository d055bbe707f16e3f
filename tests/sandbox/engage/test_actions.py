"""Order actions: the /action endpoint and actions embedded in writes."""

from __future__ import annotations

import httpx

from tests.sandbox.engage.conftest import new_order, wait_for_job, write_and_wait


def current_tag(client: httpx.Client, order_id: str) -> str:
    return str(client.get(f"/api/v3/orders/{order_id}").json()["versionTag"])


def actions_of(client: httpx.Client, order_id: str) -> list[dict[str, object]]:
    answer = client.get("/_sandbox/actions", params={"orderId": order_id})
    return list(answer.json()["actions"])


def test_action_with_the_current_tag_is_accepted_and_recorded(client: httpx.Client) -> None:
    tag = current_tag(client, "ENG-1001")
    body = {
        "action": "ConfirmShipment",
        "versionTag": tag,
        "language": "sv-SE",
        "data": {"parcels": [{"id": "P1"}]},
    }
    accepted = client.post("/api/v3/orders/ENG-1001/action", json=body)
    assert accepted.status_code == 202
    assert accepted.json()["operation"] == "Action"
    done = wait_for_job(client, accepted.json()["href"])
    assert done.status_code == 302
    assert done.json()["versionTag"] == tag  # an action is not a new version
    [recorded] = actions_of(client, "ENG-1001")
    assert recorded["action"] == "ConfirmShipment"
    assert recorded["source"] == "Action"
    assert recorded["language"] == "sv-SE"
    assert recorded["data"] == {"parcels": [{"id": "P1"}]}
    assert recorded["versionTag"] == tag
    assert current_tag(client, "ENG-1001") == tag


def test_custom_action_text_is_accepted(client: httpx.Client) -> None:
    tag = current_tag(client, "ENG-1001")
    answer = client.post(
        "/api/v3/orders/ENG-1001/action", json={"action": "GiftCardIssued", "versionTag": tag}
    )
    assert answer.status_code == 202
    wait_for_job(client, answer.json()["href"])
    assert actions_of(client, "ENG-1001")[0]["action"] == "GiftCardIssued"


def test_stale_version_tag_is_404_mismatch(client: httpx.Client) -> None:
    old = current_tag(client, "ENG-1002")
    write_and_wait(
        client, "POST", "/api/v3/orders/ENG-1002/change-status", {"externalStatus": "Packed"}
    )
    answer = client.post(
        "/api/v3/orders/ENG-1002/action", json={"action": "ConfirmOrder", "versionTag": old}
    )
    assert answer.status_code == 404
    assert answer.json()["errorCode"] == "VersionTagMismatch"
    fresh = current_tag(client, "ENG-1002")
    answer = client.post(
        "/api/v3/orders/ENG-1002/action", json={"action": "ConfirmOrder", "versionTag": fresh}
    )
    assert answer.status_code == 202


def test_action_on_unknown_order_is_404_not_found(client: httpx.Client) -> None:
    answer = client.post(
        "/api/v3/orders/NOPE-9/action", json={"action": "ConfirmOrder", "versionTag": "AAAA"}
    )
    assert answer.status_code == 404
    assert answer.json()["errorCode"] == "OrderNotFound"


def test_action_on_order_without_contact_is_422(client: httpx.Client) -> None:
    tag = current_tag(client, "ENG-9001")
    answer = client.post(
        "/api/v3/orders/ENG-9001/action", json={"action": "ConfirmOrder", "versionTag": tag}
    )
    assert answer.status_code == 422
    assert answer.json()["errorCode"] == "OrderHasNoContact"


def test_action_with_bad_body_is_400(client: httpx.Client) -> None:
    bodies: list[object] = [{}, {"action": "ConfirmOrder"}, {"action": 5, "versionTag": "x"}, []]
    for body in bodies:
        answer = client.post("/api/v3/orders/ENG-1001/action", json=body)
        assert answer.status_code == 400, body
    assert actions_of(client, "ENG-1001") == []


def test_embedded_action_is_applied_after_the_write(client: httpx.Client) -> None:
    order = new_order("EMB-1", orderAction={"action": "ConfirmOrder", "language": "en-US"})
    done = write_and_wait(client, "POST", "/api/v3/orders", order).json()
    [recorded] = actions_of(client, "EMB-1")
    assert recorded["source"] == "Embedded"
    assert recorded["action"] == "ConfirmOrder"
    assert recorded["versionTag"] == done["versionTag"]
    assert "orderAction" not in client.get("/api/v3/orders/EMB-1").json()


def test_embedded_action_in_change_status(client: httpx.Client) -> None:
    body = {"status": "Completed", "orderAction": {"action": "ConfirmCompletion"}}
    write_and_wait(client, "POST", "/api/v3/orders/ENG-1006/change-status", body)
    assert [a["action"] for a in actions_of(client, "ENG-1006")] == ["ConfirmCompletion"]


def test_embedded_action_without_contact_is_discarded(client: httpx.Client) -> None:
    order = new_order(
        "EMB-2",
        contact={"matchKey": "ghost@example.com", "matchKeyType": "Email"},
        orderAction={"action": "ConfirmOrder"},
    )
    done = write_and_wait(client, "POST", "/api/v3/orders", order).json()
    assert done["status"] == "CompletedWithErrors"
    assert "OrderActionDiscarded" in {w["code"] for w in done["warnings"]}
    assert actions_of(client, "EMB-2") == []
