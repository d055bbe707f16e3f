"""Audit: every write and action in the integration log names the client that made it, and a
client without ``log:read`` sees only its own entries (query, node and live tail)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from adapters.model import Vendor
from gateway.auth.settings import AuthSettings
from tests.gateway.e2e.orders_support import WRITE_ORDER, order_input
from tests.support.auth import ApiKeyClient, write_api_keys
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.redis import RedisServer

LOG = """
query($orderId: String!) {
  integrationLog(filter: {orderId: $orderId}) { edges { node { id code details } } }
}"""
DELETE = """
mutation($orderId: String!) {
  deleteOrder(input: {vendor: EXPERTSENDER, orderId: $orderId}) { job { state } errors { code } }
}"""
JOB = "query($id: ID!) { job(id: $id) { state } }"


@dataclass
class Audit:
    gw: GatewayHandle
    clients: dict[str, ApiKeyClient]

    def post(self, client: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return self.gw.post(query, variables, headers=self.clients[client].header)

    def log(self, client: str, order_id: str) -> list[dict[str, Any]]:
        result = self.post(client, LOG, {"orderId": order_id})
        return [edge["node"] for edge in result["data"]["integrationLog"]["edges"]]

    def write(self, client: str, vendor: Vendor, order_id: str) -> dict[str, Any]:
        variables = {
            "input": {"vendor": vendor.value, "mode": "ADD", "order": order_input(vendor, order_id)}
        }
        result = self.post(client, WRITE_ORDER, variables)
        job: dict[str, Any] = result["data"]["writeOrder"]["job"]
        return job


@pytest.fixture(scope="module", params=["memory", "redis"])
def audit(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: RedisServer,
) -> Iterator[Audit]:
    shared: dict[str, Any] = {}
    if request.param == "redis":
        if not redis_server.running:
            redis_server.start()
        shared = {"redis_url": redis_server.url, "redis_key_prefix": f"audit-{uuid.uuid4().hex}"}
    path = tmp_path_factory.mktemp("audit") / "keys"
    clients = write_api_keys(
        path,
        {
            "shop": ("orders:read", "orders:write"),
            "backoffice": ("orders:read", "orders:write", "orders:delete"),
            "monitor": ("log:read",),
        },
    )
    with sandbox_gateway(auth=AuthSettings(api_keys_file=str(path)), **shared) as gw:
        yield Audit(gw, clients)


def test_writes_name_their_client_and_each_client_sees_its_own(audit: Audit) -> None:
    order_id = f"AUDIT-ES-1-{uuid.uuid4().hex[:8]}"
    assert audit.write("shop", Vendor.EXPERTSENDER, order_id)["state"] == "COMPLETED"
    deleted = audit.post("backoffice", DELETE, {"orderId": order_id})
    assert deleted["data"]["deleteOrder"]["job"]["state"] == "COMPLETED"

    everything = audit.log("monitor", order_id)
    by_client = {(e["code"], e["details"]["client"]) for e in everything}
    assert ("WRITE_ACCEPTED", "shop") in by_client
    assert ("WRITE_ACCEPTED", "backoffice") in by_client
    assert ("JOB_COMPLETED", "shop") in by_client
    assert ("JOB_COMPLETED", "backoffice") in by_client

    shop_sees = audit.log("shop", order_id)
    assert shop_sees and {e["details"]["client"] for e in shop_sees} == {"shop"}
    backoffice_sees = audit.log("backoffice", order_id)
    assert {e["details"]["client"] for e in backoffice_sees} == {"backoffice"}

    others = [e for e in everything if e["details"]["client"] == "backoffice"]
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert audit.post("shop", node, {"id": others[0]["id"]})["data"]["node"] is None
    assert audit.post("monitor", node, {"id": others[0]["id"]})["data"]["node"] is not None


def test_the_outcome_of_an_engage_job_names_the_client_that_wrote_it(audit: Audit) -> None:
    order_id = f"AUDIT-ENG-1-{uuid.uuid4().hex[:8]}"
    job = audit.write("shop", Vendor.ENGAGE, order_id)
    for _ in range(200):
        if audit.post("shop", JOB, {"id": job["id"]})["data"]["job"]["state"] == "COMPLETED":
            break
        audit.gw.client.get(f"{audit.gw.url}/healthz")  # a pause that does real work
    completed = [e for e in audit.log("monitor", order_id) if e["code"] == "JOB_COMPLETED"]
    # Recorded by the job's poller, in the background, for the client that wrote it.
    assert [e["details"]["client"] for e in completed] == ["shop"]


async def test_the_live_log_shows_a_client_only_its_own_entries(audit: Audit) -> None:
    async with connect(audit.gw.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": audit.clients["shop"].header})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        tail = {"query": "subscription { integrationLog { code orderId details } }"}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": tail}))

        async def next_entry(timeout: float) -> dict[str, Any]:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
            entry: dict[str, Any] = message["payload"]["data"]["integrationLog"]
            return entry

        # Probe until the tail is seen listening: the shop's own write reaches it.
        for attempt in range(20):
            await asyncio.to_thread(audit.write, "shop", Vendor.EXPERTSENDER, f"PROBE-{attempt}")
            try:
                await next_entry(1.0)
                break
            except TimeoutError:
                continue
        await asyncio.to_thread(audit.write, "backoffice", Vendor.EXPERTSENDER, "AUDIT-ES-2")
        await asyncio.to_thread(audit.write, "shop", Vendor.EXPERTSENDER, "AUDIT-ES-3")
        seen: list[dict[str, Any]] = []
        while not any(entry["orderId"] == "AUDIT-ES-3" for entry in seen):
            seen.append(await next_entry(10))
    assert "AUDIT-ES-2" not in {entry["orderId"] for entry in seen}
    assert {entry["details"]["client"] for entry in seen} == {"shop"}


def test_idempotency_keys_belong_to_the_client_that_chose_them(audit: Audit) -> None:
    order_id = f"AUDIT-IDEM-{uuid.uuid4().hex[:8]}"
    variables = {
        "input": {
            "vendor": "EXPERTSENDER",
            "mode": "ADD_OR_REPLACE",
            "order": order_input(Vendor.EXPERTSENDER, order_id),
            "idempotencyKey": f"checkout-{order_id}",
        }
    }
    first = audit.post("shop", WRITE_ORDER, variables)["data"]["writeOrder"]["job"]
    again = audit.post("shop", WRITE_ORDER, variables)["data"]["writeOrder"]["job"]
    other = audit.post("backoffice", WRITE_ORDER, variables)["data"]["writeOrder"]["job"]
    assert again["id"] == first["id"]  # the same client's retry: the first outcome
    # Another client choosing the same key neither sees nor replays the first client's write.
    assert other["id"] != first["id"]
    accepted = [e for e in audit.log("monitor", order_id) if e["code"] == "WRITE_ACCEPTED"]
    assert sorted(e["details"]["client"] for e in accepted) == ["backoffice", "shop"]


def test_log_read_may_filter_by_client_and_others_only_get_their_own(audit: Audit) -> None:
    order_id = f"AUDIT-FILTER-{uuid.uuid4().hex[:8]}"
    audit.write("shop", Vendor.EXPERTSENDER, order_id)
    query = """
    query($orderId: String!, $client: String!) {
      integrationLog(filter: {orderId: $orderId, client: $client}) { totalCount }
    }"""

    def count(asker: str, client: str) -> int:
        result = audit.post(asker, query, {"orderId": order_id, "client": client})
        total: int = result["data"]["integrationLog"]["totalCount"]
        return total

    assert count("monitor", "shop") >= 2  # WRITE_ACCEPTED and JOB_COMPLETED
    assert count("monitor", "backoffice") == 0
    assert count("shop", "shop") == count("monitor", "shop")
    assert count("backoffice", "shop") == 0  # asking for another client's entries: none
