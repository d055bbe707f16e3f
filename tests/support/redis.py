"""A private, throw-away ``redis-server`` for tests (pytest fixtures ``redis_server``,
``redis_url``, ``redis_prefix`` and ``shared_state``).

One server per test session, on a free loopback port, with persistence off and its own temp
directory; every test gets its own key prefix, so tests never see each other's keys or
channels. Without ``redis-server`` installed the tests that need it FAIL with a message saying
how to install it: they are never skipped silently.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from gateway.redis import SharedState

# Generous: a fresh redis-server on a loaded machine may take seconds to answer.
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 5.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """``redis-server`` on 127.0.0.1; ``stop``/``start`` simulate an outage on the same port."""

    def __init__(self, executable: str, directory: Path, *, append_only: bool = False) -> None:
        self._executable = executable
        self._directory = directory
        # With the append-only file synced on every write, a SIGKILLed server loses nothing.
        self._append_only = append_only
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        args = [
            self._executable,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "yes" if self._append_only else "no",
            "--appendfsync", "always",
            "--dir", str(self._directory),
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self._directory
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(self.port):
            if self._process.poll() is not None:
                error = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RuntimeError(f"redis-server exited at start: {error.strip()[:500]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer within {START_TIMEOUT_S} s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop the server at once (SIGKILL, as a crash would), and wait until it is gone."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
        if process.stderr is not None:
            process.stderr.close()


def redis_executable() -> str:
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(
            "redis-server is not installed, and the shared-state tests need a real one: "
            "run `make system-deps` (scripts/install-system-deps.sh) or "
            "`apt-get install redis-server`",
            pytrace=False,
        )
    return executable


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="order-gateway-redis-") as directory:
        server = RedisServer(redis_executable(), Path(directory)).start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    if not redis_server.running:  # a test that stopped it failed before starting it again
        redis_server.start()
    return redis_server.url


@pytest.fixture
def redis_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def connected_state(url: str, prefix: str | None = None) -> AsyncIterator[SharedState]:
    """A ``SharedState`` as one gateway process has it; two with the same prefix behave as
    two processes sharing one Redis."""
    state = await SharedState.connect(url, prefix or f"test-{uuid.uuid4().hex[:12]}")
    try:
        yield state
    finally:
        await state.aclose()


def running_url(request: pytest.FixtureRequest) -> str:
    """The test server's URL, for fixtures parametrized over memory and Redis that need it
    only for their Redis case."""
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
async def shared_state(redis_url: str, redis_prefix: str) -> AsyncIterator[SharedState]:
    async with connected_state(redis_url, redis_prefix) as state:
        yield state
