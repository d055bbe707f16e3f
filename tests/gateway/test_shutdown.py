"""Stopping ``order-gateway serve`` completes open subscriptions before connections close."""

from __future__ import annotations

import json
import signal

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.gateway.test_cli import COMMAND, RUNNING, clean_env, running

WRITE = """
mutation {
  writeOrder(input: {vendor: ENGAGE, mode: ADD, order: {
    orderId: "SHUTDOWN-1", createdAt: "2026-01-05T10:00:00+01:00", currency: "SEK",
    total: 199, storeId: "WEB-SE", contact: {email: "anna.berg@example.com"},
    lines: [{sku: "SKU-BAG", quantity: 1, totalPrice: 199}]}}) { job { id state } errors { code } }
}
"""


def _messages_until_closed(ws: object) -> list[dict[str, object]]:
    received: list[dict[str, object]] = []
    try:
        while True:
            received.append(json.loads(ws.recv(timeout=20)))  # type: ignore[attr-defined]
    except ConnectionClosed:
        return received


def test_sigterm_completes_open_subscriptions_then_exits_cleanly() -> None:
    # The job stays unfinished for far longer than the test: only the shutdown can end it.
    env = clean_env(SANDBOX_ENGAGE_JOB_DELAY_MS="60000")
    with running([COMMAND, "serve", "--port", "0"], env) as command:
        url = command.wait_for(RUNNING).group(1)
        written = httpx.post(f"{url}/graphql", json={"query": WRITE}, timeout=20).json()
        job_id = written["data"]["writeOrder"]["job"]["id"]
        ws_url = url.replace("http://", "ws://") + "/graphql"
        with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            query = f'subscription {{ jobProgress(id: "{job_id}") {{ state }} }}'
            ws.send(json.dumps({"id": "job", "type": "subscribe", "payload": {"query": query}}))
            tail = "subscription { integrationLog { code } }"
            ws.send(json.dumps({"id": "log", "type": "subscribe", "payload": {"query": tail}}))
            first = json.loads(ws.recv(timeout=10))
            assert first["type"] == "next" and first["id"] == "job"

            command.process.send_signal(signal.SIGTERM)
            received = _messages_until_closed(ws)

        completed = {m["id"] for m in received if m.get("type") == "complete"}
        assert completed == {"job", "log"}, received
        assert not [m for m in received if m.get("type") == "error"], received
        assert command.stop() == 0
    assert "completing open subscriptions first" in command.output
    assert "Traceback" not in command.output
