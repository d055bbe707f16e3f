"""What ``order-gateway serve`` logs per request, run as a real process."""

from __future__ import annotations

import time

import httpx

from tests.gateway.test_cli import (
    COMMAND,
    RUNNING,
    START_TIMEOUT_S,
    clean_env,
    free_port,
    running,
)

QUERY = {"query": '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId } }'}


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up within {START_TIMEOUT_S}s")


def test_at_info_requests_are_logged_but_not_each_vendor_call() -> None:
    with running([COMMAND, "serve", "--port", "0"], clean_env()) as command:
        url = command.wait_for(RUNNING).group(1)
        answer = httpx.post(f"{url}/graphql", json=QUERY, timeout=10)
        assert answer.json() == {"data": {"order": {"orderId": "ENG-1001"}}}
        command.stop()
    assert '"POST /graphql HTTP/1.1" 200' in command.output
    assert "HTTP Request:" not in command.output


def test_above_info_no_access_lines_are_written() -> None:
    port = free_port()
    args = [COMMAND, "serve", "--port", str(port), "--log-level", "warning"]
    with running(args, clean_env()) as command:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url)
        answer = httpx.post(f"{url}/graphql", json=QUERY, timeout=10)
        assert answer.json() == {"data": {"order": {"orderId": "ENG-1001"}}}
        command.stop()
    assert "POST /graphql" not in command.output
    assert "HTTP Request:" not in command.output
