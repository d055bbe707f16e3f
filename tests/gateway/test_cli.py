"""The ``order-gateway`` command, run as a real process."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gateway.cli import schema_sdl

REPO = Path(__file__).resolve().parents[2]
COMMAND = str(Path(sys.executable).parent / "order-gateway")
START_TIMEOUT_S = 60
RUNNING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")
SANDBOX_URL = re.compile(r"^(SANDBOX_[A-Z]+_URL)=(http://127\.0\.0\.1:\d+)$")
OWN_PREFIXES = ("GATEWAY_", "ENGAGE_", "EXPERTSENDER_", "SANDBOX_")
# uvicorn shuts down gracefully on SIGTERM, then re-raises the signal so the process ends with
# the conventional status; both that and 0 mean a clean stop (the log shows the shutdown).
CLEAN_STOP = (0, -signal.SIGTERM)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any gateway setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class Running:
    """A started command whose output lines are collected as they come."""

    def __init__(self, args: list[str], env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            args,
            cwd=REPO,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: re.Pattern[str], timeout: float = START_TIMEOUT_S) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"exited before {pattern.pattern!r}:\n" + self.output)
            self.lines.append(line)
            match = pattern.search(line)
            if match:
                return match
        raise AssertionError(f"no {pattern.pattern!r} within {timeout}s:\n" + self.output)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        while (line := self._queue.get(timeout=5)) is not None:
            self.lines.append(line)
        return code


@contextmanager
def running(args: list[str], env: Mapping[str, str]) -> Iterator[Running]:
    command = Running(args, env)
    try:
        yield command
    finally:
        if command.process.poll() is None:
            command.process.kill()
            command.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- export-schema ------------------------------------------------------------------------------


def test_export_schema_prints_the_sdl() -> None:
    result = subprocess.run(
        [COMMAND, "export-schema"], capture_output=True, text=True, timeout=60, env=clean_env()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == schema_sdl()
    assert "type Query {" in result.stdout


def test_export_schema_check_on_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [COMMAND, "export-schema", "--check", str(tmp_path / "nope.graphql")],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert result.returncode == 2
    assert result.stderr.startswith("order-gateway: error: cannot read")
    assert "Traceback" not in result.stderr


# --- bad settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"GATEWAY_PORT": "http"}, "GATEWAY_PORT"),
        ({"GATEWAY_MAX_DEPTH": "-3"}, "GATEWAY_MAX_DEPTH"),
        ({"ENGAGE_BASE_URL": "https://tenant.voyado.com"}, "ENGAGE_API_KEY"),
        ({"EXPERTSENDER_API_KEY": "k"}, "EXPERTSENDER_BASE_URL"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "sandbox"])
def test_a_bad_setting_stops_start_up_with_one_line(
    env: dict[str, str], variable: str, command: str
) -> None:
    result = subprocess.run(
        [COMMAND, command, "--port" if command == "serve" else "--engage-port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(**env),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]], result.stderr
    assert lines[0].startswith(f"order-gateway: error: {variable}: ")
    assert "Traceback" not in result.stderr


def test_an_emulator_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [COMMAND, "serve", "--port", "0"],
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env(SANDBOX_EXPERTSENDER_PORT=str(port)),
        )
    assert result.returncode == 2
    assert (
        f"order-gateway: error: cannot listen for the EXPERTSENDER sandbox on 127.0.0.1:{port}"
        in (result.stderr)
    )
    assert "Traceback" not in result.stderr


def test_a_bad_option_is_refused_by_argparse() -> None:
    result = subprocess.run(
        [COMMAND, "serve", "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert result.returncode == 2
    assert "--workers: expected an integer at least 1" in result.stderr


# --- serve --------------------------------------------------------------------------------------


def test_serve_answers_over_http_and_shuts_down_cleanly() -> None:
    with running([COMMAND, "serve", "--port", "0"], clean_env()) as command:
        url = command.wait_for(RUNNING).group(1)
        with httpx.Client(timeout=10) as client:
            assert client.get(f"{url}/healthz").json() == {"status": "ok"}
            ready = client.get(f"{url}/readyz")
            assert ready.status_code == 200
            assert ready.json()["components"] == {"engage": True, "expertsender": True}
            answer = client.post(
                f"{url}/graphql",
                json={"query": '{ order(vendor: EXPERTSENDER, orderId: "ES-1001") { orderId } }'},
            )
            assert answer.json() == {"data": {"order": {"orderId": "ES-1001"}}}
        assert command.stop() in CLEAN_STOP
    assert "SANDBOX MODE" in command.output
    assert "anna.berg@example.com" in command.output
    assert "Application shutdown complete" in command.output
    assert "Traceback" not in command.output


# Run by every Python process started with this on its path: a worker process (multiprocessing
# spawns it with this flag) takes seconds before it runs any of its own code, as every worker
# does on a loaded machine, past the 5 s uvicorn allows a worker to answer its first ping.
SLOW_WORKER_START = """
import sys
import time

if "--multiprocessing-fork" in sys.argv:
    time.sleep(7)
"""


def test_workers_slow_to_start_are_waited_for_not_killed(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(SLOW_WORKER_START)
    args = [COMMAND, "serve", "--port", str(free_port()), "--workers", "2"]
    with running(args, clean_env(PYTHONPATH=str(tmp_path))) as command:
        for _ in range(2):
            command.wait_for(re.compile(r"Application startup complete"))
        assert command.stop() in CLEAN_STOP
    assert "died" not in command.output, command.output


def test_serve_with_workers_shares_one_set_of_emulators() -> None:
    port = free_port()
    args = [COMMAND, "serve", "--port", str(port), "--workers", "2"]
    with running(args, clean_env()) as command:
        url = f"http://127.0.0.1:{port}"
        command.wait_for(re.compile(r"Application startup complete"))
        command.wait_for(re.compile(r"Application startup complete"))
        write = """
          mutation($id: String!) {
            writeOrder(input: {vendor: EXPERTSENDER, mode: ADD, order: {
              orderId: $id, createdAt: "2024-05-01T10:00:00Z", currency: "SEK", total: 100,
              contact: {email: "jonas.lind@example.com"},
              lines: [{sku: "SKU-1", name: "Shirt", quantity: 1, unitPrice: 100}]}})
            { errors { code message } job { state } }
          }"""
        read = "query($id: String!) { order(vendor: EXPERTSENDER, orderId: $id) { orderId } }"
        variables = {"id": f"CLI-{port}"}
        with httpx.Client(timeout=10) as client:
            written = client.post(f"{url}/graphql", json={"query": write, "variables": variables})
            assert written.json()["data"]["writeOrder"]["errors"] == [], written.text
        # A fresh connection each time lands on either worker; both see the same emulator.
        for _ in range(6):
            with httpx.Client(timeout=10) as client:
                found = client.post(f"{url}/graphql", json={"query": read, "variables": variables})
                assert found.json()["data"]["order"] == {"orderId": variables["id"]}
        assert command.stop() in CLEAN_STOP
    # The parent started the emulators once and announced them once.
    assert command.output.count("SANDBOX MODE") == 1
    assert len(set(re.findall(r"Started server process \[(\d+)\]", command.output))) >= 2


# --- sandbox ------------------------------------------------------------------------------------


def test_sandbox_runs_both_emulators_and_a_gateway_can_use_them() -> None:
    args = [COMMAND, "sandbox", "--engage-port", "0", "--expertsender-port", "0"]
    with running(args, clean_env()) as emulators:
        urls: dict[str, str] = {}
        for _ in range(2):
            match = emulators.wait_for(SANDBOX_URL)
            urls[match.group(1)] = match.group(2)
        assert set(urls) == {"SANDBOX_ENGAGE_URL", "SANDBOX_EXPERTSENDER_URL"}
        engage = urls["SANDBOX_ENGAGE_URL"]
        with httpx.Client(timeout=10) as client:
            assert client.get(f"{engage}/openapi.json").status_code == 200
            client.post(f"{engage}/_sandbox/requests/reset")

            with running([COMMAND, "serve", "--port", "0"], clean_env(**urls)) as gateway:
                url = gateway.wait_for(RUNNING).group(1)
                answer = client.post(
                    f"{url}/graphql",
                    json={"query": '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId } }'},
                )
                assert answer.json() == {"data": {"order": {"orderId": "ENG-1001"}}}
                assert gateway.stop() in CLEAN_STOP
            # The gateway started no emulator of its own: the read reached this one.
            counted = client.get(f"{engage}/_sandbox/requests").json()
            assert counted["total"] >= 1
        assert emulators.stop() == 0
    assert "SANDBOX MODE" not in gateway.output


def test_sandbox_injects_the_faults_chosen_at_start() -> None:
    args = [
        COMMAND,
        "sandbox",
        "--engage-port",
        "0",
        "--expertsender-port",
        "0",
        "--error-rate",
        "0.75",
        "--latency-ms",
        "5",
        "--job-delay-ms",
        "20",
    ]
    env = clean_env(SANDBOX_FAULT_RATE_LIMIT_RATE="0.25", SANDBOX_FAULT_SEED="7")
    with running(args, env) as emulators:
        urls: dict[str, str] = {}
        for _ in range(2):
            match = emulators.wait_for(SANDBOX_URL)
            urls[match.group(1)] = match.group(2)
        with httpx.Client(timeout=10) as client:
            for url in urls.values():
                faults = client.get(f"{url}/_sandbox/faults").json()
                assert faults["error_rate"] == 0.75 and faults["latency_ms"] == 5
                assert faults["rate_limit_rate"] == 0.25 and faults["seed"] == 7
            answer = client.get(
                f"{urls['SANDBOX_EXPERTSENDER_URL']}/orders/ES-1001",
                headers={"x-api-key": "sandbox-expertsender-key"},
            )
            assert answer.status_code in (429, 503)
            engage = client.get(f"{urls['SANDBOX_ENGAGE_URL']}/_sandbox/settings").json()
            assert engage["job_delay_ms"] == 20
        assert emulators.stop() == 0


def test_sandbox_answers_in_the_variants_chosen_at_start() -> None:
    args = [COMMAND, "sandbox", "--engage-port", "0", "--expertsender-port", "0"]
    with running([*args, "--variants", "random:16"], clean_env()) as emulators:
        urls = [emulators.wait_for(SANDBOX_URL).group(2) for _ in range(2)]
        with httpx.Client(timeout=10) as client:
            modes = {client.get(f"{url}/_sandbox/variants").json()["mode"] for url in urls}
        assert modes == {"random:16"}
        assert emulators.stop() == 0
    bad = subprocess.run(
        [*args, "--variants", "guessed"],
        capture_output=True,
        text=True,
        timeout=30,
        env=clean_env(),
    )
    assert bad.returncode == 2 and "documented, invented, random:<seed>" in bad.stderr


def test_sandbox_refuses_a_rate_outside_zero_to_one() -> None:
    result = subprocess.run(
        [COMMAND, "sandbox", "--error-rate", "1.5"],
        capture_output=True,
        text=True,
        timeout=30,
        env=clean_env(),
    )
    assert result.returncode == 2
    assert "expected a share from 0 to 1" in result.stderr


def test_sandbox_faults_that_cannot_hold_together_are_one_clear_line() -> None:
    result = subprocess.run(
        [COMMAND, "sandbox", "--error-rate", "0.8", "--drop-rate", "0.5"],
        capture_output=True,
        text=True,
        timeout=30,
        env=clean_env(),
    )
    assert result.returncode == 2
    assert result.stderr.startswith("order-gateway: error: sandbox faults: ")
    assert "Traceback" not in result.stderr
