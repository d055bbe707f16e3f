"""Where ``serve`` listens (GATEWAY_HOST, GATEWAY_PORT) is checked before anything starts: an
address it cannot listen on is one line naming the variable, like every other bad setting."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.gateway.test_cli import COMMAND, clean_env


def serve(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, "serve"], capture_output=True, text=True, timeout=60, env=clean_env(**env)
    )


def assert_one_line_naming(result: subprocess.CompletedProcess[str], variable: str) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"order-gateway: error: {variable}: "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("host", ["999.1.1.1", "::zz"])
def test_a_host_that_is_no_address_here_is_one_line(host: str) -> None:
    line = assert_one_line_naming(serve(GATEWAY_HOST=host), "GATEWAY_HOST")
    assert host in line


def test_a_port_in_use_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = assert_one_line_naming(serve(GATEWAY_PORT=str(port)), "GATEWAY_PORT")
    assert f"127.0.0.1:{port}" in line
