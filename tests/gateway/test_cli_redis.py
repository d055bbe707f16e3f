"""``order-gateway serve`` with and without ``GATEWAY_REDIS_URL``, run as a real process."""

from __future__ import annotations

import re
import subprocess

import httpx

from tests.gateway.test_cli import CLEAN_STOP, COMMAND, clean_env, free_port, running
from tests.support.redis import RedisServer

WRITE = """
mutation($id: String!, $key: String!) {
  writeOrder(input: {vendor: EXPERTSENDER, mode: ADD, idempotencyKey: $key, order: {
    orderId: $id, createdAt: "2024-05-01T10:00:00Z", currency: "SEK", total: 100,
    contact: {email: "jonas.lind@example.com"},
    lines: [{sku: "SKU-1", name: "Shirt", quantity: 1, unitPrice: 100}]}})
  { errors { code message } job { id state } }
}"""
JOB = "query($id: ID!) { job(id: $id) { state orderId } }"
LOG = "query($o: String!) { integrationLog(filter: {orderId: $o}) { totalCount } }"
STARTED = re.compile(r"Application startup complete")


def test_an_unreachable_redis_stops_start_up_with_one_line_without_its_password() -> None:
    port = free_port()  # nothing listens there
    result = subprocess.run(
        [COMMAND, "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(GATEWAY_REDIS_URL=f"redis://:hunter2@127.0.0.1:{port}/0"),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"order-gateway: error: cannot reach Redis at redis://:***@127.0.0.1:{port}/0 "
        f"(GATEWAY_REDIS_URL): " + lines[0].split("(GATEWAY_REDIS_URL): ", 1)[1]
    ], result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert "SANDBOX MODE" not in result.stderr  # nothing was started


def test_a_bad_redis_url_is_refused_without_echoing_its_password() -> None:
    result = subprocess.run(
        [COMMAND, "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(GATEWAY_REDIS_URL="http://:hunter2@localhost:6379"),
    )
    assert result.returncode == 2
    assert result.stderr.startswith("order-gateway: error: GATEWAY_REDIS_URL: expected a redis://")
    assert "hunter2" not in result.stderr


def test_workers_without_redis_start_with_a_warning_naming_what_is_not_shared() -> None:
    args = [COMMAND, "serve", "--port", str(free_port()), "--workers", "2"]
    with running(args, clean_env()) as command:
        command.wait_for(STARTED)
        assert command.stop() in CLEAN_STOP
    warning = next(line for line in command.lines if "without GATEWAY_REDIS_URL" in line)
    for unshared in ("job registry", "idempotency keys", "read cache", "integration log"):
        assert unshared in warning


def test_workers_sharing_redis_act_as_one_gateway(redis_server: RedisServer) -> None:
    if not redis_server.running:
        redis_server.start()
    port = free_port()
    env = clean_env(GATEWAY_REDIS_URL=redis_server.url, GATEWAY_REDIS_KEY_PREFIX=f"cli-{port}")
    with running([COMMAND, "serve", "--port", str(port), "--workers", "2"], env) as command:
        command.wait_for(STARTED)
        command.wait_for(STARTED)
        url = f"http://127.0.0.1:{port}/graphql"
        variables = {"id": f"CLI-REDIS-{port}", "key": f"key-{port}"}
        jobs = set()
        # A fresh connection each time lands on either worker: every one sees the same job,
        # the same integration log, and the retried key is answered without a second write.
        for _ in range(6):
            with httpx.Client(timeout=10) as client:
                written = client.post(url, json={"query": WRITE, "variables": variables}).json()
                payload = written["data"]["writeOrder"]
                assert payload["errors"] == [], written
                jobs.add(payload["job"]["id"])
                job = client.post(
                    url, json={"query": JOB, "variables": {"id": payload["job"]["id"]}}
                )
                assert job.json()["data"]["job"] == {
                    "state": "COMPLETED",
                    "orderId": variables["id"],
                }
                log = client.post(url, json={"query": LOG, "variables": {"o": variables["id"]}})
                assert log.json()["data"]["integrationLog"]["totalCount"] >= 1
        assert len(jobs) == 1
        assert command.stop() in CLEAN_STOP
    assert "without GATEWAY_REDIS_URL" not in command.output
    assert "share their state through Redis at redis://127.0.0.1:" in command.output
    assert "Traceback" not in command.output
