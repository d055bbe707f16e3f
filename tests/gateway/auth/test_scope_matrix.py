"""Every root field x every scope, for both vendors: a field runs exactly when the client holds
a scope that grants it, and is otherwise refused with FORBIDDEN naming the missing scope."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from adapters.model import Vendor
from gateway.auth.settings import AuthSettings
from gateway.ids import NodeType, encode_id
from tests.gateway.e2e.orders_support import order_input
from tests.support.auth import ApiKeyClient, write_api_keys
from tests.support.gateway import GatewayHandle, sandbox_gateway

VENDOR_SCOPES = ("orders:read", "orders:write", "orders:delete", "orders:actions")
SCOPE_SETS: dict[str, tuple[str, ...]] = {"nothing": ()}
for _scope in VENDOR_SCOPES:
    SCOPE_SETS[_scope] = (_scope,)
    for _vendor in Vendor:
        SCOPE_SETS[f"{_scope}:{_vendor.value.lower()}"] = (f"{_scope}:{_vendor.value.lower()}",)
SCOPE_SETS["log:read"] = ("log:read",)
SCOPE_SETS["documents:any"] = ("documents:any",)
SCOPE_SETS["write+actions"] = ("orders:write", "orders:actions")


@dataclass(frozen=True)
class Case:
    field: str  # "Type.field"
    document: str
    variables: dict[str, Any]
    needs: tuple[str, ...]  # every one of these scopes (for all vendors or the case's vendor)


def mutation(field: str, input_type: str) -> str:
    return f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ errors {{ code }} }} }}"


def cases(vendor: Vendor) -> list[Case]:
    name = vendor.value
    missing_order = f"{name[:3]}-SCOPE-404"
    job_id = encode_id(NodeType.JOB, vendor, "no-such-job")
    order_id = encode_id(NodeType.ORDER, vendor, missing_order)
    # An order with no lines: refused by the gateway's own checks, so nothing is written.
    bad_order = {**order_input(vendor, missing_order), "lines": []}
    action = {"action": "CONFIRM_ORDER"}
    return [
        Case(
            "Query.order",
            f'{{ order(vendor: {name}, orderId: "{missing_order}") {{ orderId }} }}',
            {},
            ("orders:read",),
        ),
        Case(
            "Query.orders",
            f'{{ orders(vendor: {name}, orderIds: ["{missing_order}"]) {{ orderId }} }}',
            {},
            ("orders:read",),
        ),
        Case(
            "Query.contact",
            f'{{ contact(vendor: {name}, email: "nobody@example.com") {{ contactId }} }}',
            {},
            ("orders:read",),
        ),
        Case(
            "Query.job",
            "query($id: ID!) { job(id: $id) { state } }",
            {"id": job_id},
            ("orders:read",),
        ),
        Case(
            "Query.node",
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": order_id},
            ("orders:read",),
        ),
        Case("Query.integrationLog", "{ integrationLog(first: 1) { totalCount } }", {}, ()),
        Case("Query.vendors", "{ vendors { vendor } }", {}, ()),
        Case(
            "Mutation.writeOrder",
            mutation("writeOrder", "WriteOrderInput"),
            {"input": {"vendor": name, "mode": "ADD", "order": bad_order}},
            ("orders:write",),
        ),
        Case(
            "Mutation.writeOrder",
            mutation("writeOrder", "WriteOrderInput"),
            {"input": {"vendor": name, "mode": "ADD", "order": bad_order, "orderAction": action}},
            ("orders:write", "orders:actions"),
        ),
        Case(
            "Mutation.changeOrderStatus",
            mutation("changeOrderStatus", "ChangeOrderStatusInput"),
            {"input": {"vendor": name, "orderId": missing_order, "status": "PAID"}},
            ("orders:write",),
        ),
        Case(
            "Mutation.deleteOrder",
            mutation("deleteOrder", "DeleteOrderInput"),
            {"input": {"vendor": name, "orderId": missing_order}},
            ("orders:delete",),
        ),
        Case(
            "Mutation.triggerOrderAction",
            mutation("triggerOrderAction", "TriggerOrderActionInput"),
            {"input": {"vendor": name, "orderId": missing_order, "action": "CONFIRM_ORDER"}},
            ("orders:actions",),
        ),
        Case(
            "Subscription.jobProgress",
            "subscription($id: ID!) { jobProgress(id: $id) { state } }",
            {"id": job_id},
            ("orders:read",),
        ),
        Case("Subscription.integrationLog", "subscription { integrationLog { code } }", {}, ()),
    ]


def granted(scopes: tuple[str, ...], need: str, vendor: Vendor) -> bool:
    return need in scopes or f"{need}:{vendor.value.lower()}" in scopes


@pytest.fixture(scope="module")
def matrix_gateway(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GatewayHandle, dict[str, ApiKeyClient]]]:
    path: Path = tmp_path_factory.mktemp("keys") / "api-keys"
    clients = write_api_keys(
        path, {name.replace(":", "-").replace("+", "-"): s for name, s in SCOPE_SETS.items()}
    )
    with sandbox_gateway(auth=AuthSettings(api_keys_file=str(path))) as gw:
        yield gw, clients


# How long a subscription that should run is watched for a refusal: a busy machine may only
# make this check weaker (a late refusal missed), never fail it.
SILENCE_S = 0.5
# How long a refusal that should come is waited for: long, since a busy machine may be slow.
REFUSAL_PATIENCE_S = 30.0


async def run_subscription(
    gw: GatewayHandle, client: ApiKeyClient, case: Case, wait_s: float
) -> list[dict[str, Any]]:
    """The errors of the subscription's first answer; [] if it runs (no answer within
    ``wait_s``)."""
    async with connect(gw.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": client.header}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": case.document, "variables": case.variables}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), wait_s))
        except TimeoutError:
            return []  # a live tail with nothing to send yet: it runs
        if message["type"] == "error":
            return list(message["payload"])
        return list(message["payload"].get("errors") or [])


@pytest.mark.parametrize("vendor", list(Vendor))
async def test_every_root_field_against_every_scope(
    matrix_gateway: tuple[GatewayHandle, dict[str, ApiKeyClient]], vendor: Vendor
) -> None:
    gw, clients = matrix_gateway
    checked: set[str] = set()
    for case in cases(vendor):
        checked.add(case.field)
        if case.field == "Subscription.integrationLog" and vendor is Vendor.EXPERTSENDER:
            continue  # no vendor in it: once is enough (each check waits for silence)
        for client in clients.values():
            missing = [need for need in case.needs if not granted(client.scopes, need, vendor)]
            if case.field.startswith("Subscription."):
                wait_s = REFUSAL_PATIENCE_S if missing else SILENCE_S
                errors = await run_subscription(gw, client, case, wait_s)
            else:
                response = gw.client.post(
                    gw.graphql_url,
                    json={"query": case.document, "variables": case.variables},
                    headers=client.header,
                )
                assert response.status_code == 200, response.text
                errors = response.json().get("errors") or []
            forbidden = [e for e in errors if e.get("extensions", {}).get("code") == "FORBIDDEN"]
            where = f"{case.field} on {vendor.value} with {client.scopes}"
            if missing:
                assert forbidden, f"{where} ran without {missing}"
                assert forbidden[0]["extensions"]["scope"] == f"{missing[0]}:{vendor.value.lower()}"
                assert missing[0] in forbidden[0]["message"]
            else:
                assert not forbidden, f"{where} was refused: {forbidden}"
    schema = gw.gateway.schema._schema
    every_root_field = {
        f"{root.name}.{name}"
        for root in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if root is not None
        for name in root.fields
    }
    assert checked == every_root_field


def test_a_refused_write_never_reaches_the_vendor(
    matrix_gateway: tuple[GatewayHandle, dict[str, ApiKeyClient]],
) -> None:
    gw, clients = matrix_gateway
    engage_only = clients["orders-delete-engage"]
    before = gw.client.get(f"{gw.expertsender_url}/_sandbox/requests").json()
    response = gw.post(
        mutation("deleteOrder", "DeleteOrderInput"),
        {"input": {"vendor": "EXPERTSENDER", "orderId": "ES-1001"}},
        headers=engage_only.header,
    )
    assert response["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    after = gw.client.get(f"{gw.expertsender_url}/_sandbox/requests").json()
    assert after == before
