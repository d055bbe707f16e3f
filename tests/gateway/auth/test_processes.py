"""Access control in real ``order-gateway serve`` processes: one per-client limit enforced by two
processes through one redis-server, API keys re-read on SIGHUP, and the start-up rules."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import httpx

from tests.gateway.test_cli import COMMAND, clean_env, free_port, running
from tests.support.auth import write_api_keys
from tests.support.redis import RedisServer

STARTED = re.compile(r"Application startup complete")
ORDER = '{ order(vendor: EXPERTSENDER, orderId: "ES-1001") { orderId } }'


def _ask(url: str, key: str) -> httpx.Response:
    # A fresh connection per request: nothing is carried between the two processes but Redis.
    with httpx.Client(timeout=10) as client:
        return client.post(url, json={"query": ORDER}, headers={"Authorization": f"ApiKey {key}"})


def test_two_processes_on_one_redis_enforce_one_cost_limit_per_client(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    if not redis_server.running:
        redis_server.start()
    keys_file = tmp_path / "keys"
    clients = write_api_keys(keys_file, {"shop": ("orders:read",), "backoffice": ("orders:read",)})
    ports = [free_port(), free_port()]
    env = clean_env(
        GATEWAY_REDIS_URL=redis_server.url,
        GATEWAY_REDIS_KEY_PREFIX=f"limits-{ports[0]}",
        GATEWAY_API_KEYS_FILE=str(keys_file),
        GATEWAY_CLIENT_COST_PER_MINUTE="6",
    )
    with (
        running([COMMAND, "serve", "--port", str(ports[0])], env) as first,
        running([COMMAND, "serve", "--port", str(ports[1])], env) as second,
    ):
        first.wait_for(STARTED)
        second.wait_for(STARTED)
        urls = [f"http://127.0.0.1:{port}/graphql" for port in ports]
        answers = [_ask(urls[n % 2], clients["shop"].key) for n in range(10)]
        served = [a for a in answers if not a.json().get("errors")]
        limited = [a for a in answers if a.json().get("errors")]
        # Six vendor calls a minute between both processes, not six each.
        assert len(served) == 6
        assert len(limited) == 4
        for answer in limited:
            error = answer.json()["errors"][0]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            assert int(answer.headers["retry-after"]) >= 1
            assert error["extensions"]["retryAfter"] == int(answer.headers["retry-after"])
        # Served through both processes, refused through both.
        assert {a.url.port for a in served} == set(ports)
        assert {a.url.port for a in limited} == set(ports)
        # Another client has a budget of its own.
        other = [_ask(url, clients["backoffice"].key) for url in urls]
        assert all(a.json()["data"]["order"]["orderId"] == "ES-1001" for a in other)


def test_sighup_re_reads_the_api_key_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    first = write_api_keys(keys_file, {"shop": ("orders:read",)})
    port = free_port()
    env = clean_env(GATEWAY_API_KEYS_FILE=str(keys_file))
    url = f"http://127.0.0.1:{port}/graphql"
    with running([COMMAND, "serve", "--port", str(port)], env) as command:
        command.wait_for(STARTED)
        assert _ask(url, first["shop"].key).status_code == 200
        second = write_api_keys(keys_file, {"newcomer": ("orders:read",)})
        assert _ask(url, second["newcomer"].key).status_code == 401  # not read yet
        command.process.send_signal(signal.SIGHUP)
        command.wait_for(re.compile(r"API keys reloaded .*: 1 clients"))
        assert _ask(url, second["newcomer"].key).status_code == 200
        assert _ask(url, first["shop"].key).status_code == 401  # gone from the file
        keys_file.write_text("broken line\n")
        command.process.send_signal(signal.SIGHUP)
        command.wait_for(re.compile(r"API keys not reloaded"))
        assert _ask(url, second["newcomer"].key).status_code == 200  # the last good file holds


def test_a_real_vendor_without_authentication_refuses_to_start() -> None:
    env = clean_env(ENGAGE_BASE_URL="https://tenant.example.test", ENGAGE_API_KEY="secret")
    result = subprocess.run(
        [COMMAND, "serve", "--port", "0"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("order-gateway: error: GATEWAY_AUTH: a real vendor is configured")
    assert "GATEWAY_AUTH=off" in lines[0]


def test_gateway_auth_off_runs_open_in_front_of_a_real_vendor_and_says_so() -> None:
    port = free_port()
    env = clean_env(
        ENGAGE_BASE_URL="https://tenant.example.test", ENGAGE_API_KEY="secret", GATEWAY_AUTH="off"
    )
    with running([COMMAND, "serve", "--port", str(port)], env) as command:
        command.wait_for(STARTED)
        command.stop()
    assert "OPEN ACCESS (GATEWAY_AUTH=off)" in command.output


def test_the_sandbox_without_authentication_stays_open_and_says_so() -> None:
    port = free_port()
    with running([COMMAND, "serve", "--port", str(port)], clean_env()) as command:
        command.wait_for(STARTED)
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": ORDER}, timeout=10)
        command.stop()
    assert answer.json()["data"]["order"]["orderId"] == "ES-1001"
    assert "OPEN ACCESS (sandbox, no authentication set)" in command.output


def test_a_broken_key_file_or_manifest_is_one_line_at_start(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("shop not-a-hash orders:read\n")
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text("[]")
    for env, words in (
        ({"GATEWAY_API_KEYS_FILE": str(keys)}, "GATEWAY_API_KEYS_FILE: "),
        ({"GATEWAY_TRUSTED_DOCUMENTS": str(manifest)}, "GATEWAY_TRUSTED_DOCUMENTS: "),
    ):
        result = subprocess.run(
            [COMMAND, "serve", "--port", "0"],
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env(**env),
        )
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"order-gateway: error: {words}")


def test_log_lines_name_the_authenticated_client_over_a_declared_one(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys"
    clients = write_api_keys(keys_file, {"backoffice": ("orders:read",)})
    env = clean_env(GATEWAY_LOG_FORMAT="json", GATEWAY_API_KEYS_FILE=str(keys_file))
    port = free_port()
    with running([COMMAND, "serve", "--port", str(port)], env) as command:
        command.wait_for(STARTED)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": ORDER},
            headers={
                "Authorization": f"ApiKey {clients['backoffice'].key}",
                "apollographql-client-name": "pretends-to-be-someone",
            },
            timeout=30,
        )
        assert answer.json()["data"]["order"]["orderId"] == "ES-1001"
        request_id = answer.headers["x-request-id"]
        command.stop()
    lines = [json.loads(line) for line in command.lines if line.startswith("{")]
    access = [
        line
        for line in lines
        if line.get("request_id") == request_id and line["logger"] == "gateway.access"
    ]
    assert [line["client"] for line in access] == ["backoffice"]
