"""Start, watch and stop the servers under test, each as its own OS process.

Every server gets a port picked by the kernel, its output goes to a log file (shown when it fails
to come up), and every wait is bounded. Stopping signals the whole process group, so the workers
of a multi-process server go with their parent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PYTHON = sys.executable


class ServiceError(RuntimeError):
    """A server did not start, did not become ready, or died."""


def free_port() -> int:
    """A loopback port nobody listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def uvicorn_argv(app: str, port: int, *, factory: bool = False) -> list[str]:
    """The fast uvicorn setup (uvloop, httptools, no access log) for one ASGI app."""
    argv = [PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    argv += ["--log-level", "warning"]
    if factory:
        argv.append("--factory")
    return argv


@dataclass
class Service:
    """One server process: how to start it and how to know it is ready."""

    name: str
    argv: Sequence[str]
    port: int
    log_dir: Path
    ready_path: str = "/"
    ready_headers: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    # False: ``env`` is the whole environment (to keep variables of ours away from a peer).
    inherit_env: bool = True
    cwd: Path | None = None
    stop_signals: int = 1
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ServiceError(f"{self.name} is not running")
        return self.process.pid

    def start(self, *, ready_timeout_s: float = 60.0) -> Service:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        try:
            self.process = subprocess.Popen(
                list(self.argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env} if self.inherit_env else dict(self.env),
                cwd=self.cwd,
                start_new_session=True,
            )
        finally:
            log.close()
        self._wait_ready(ready_timeout_s)
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise ServiceError(f"{self.name} exited at start-up:\n{self.log_tail()}")
                try:
                    answer = client.get(
                        self.url + self.ready_path, headers=dict(self.ready_headers)
                    )
                    if answer.status_code < 500:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise ServiceError(f"{self.name} not ready in {timeout_s:g}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, *, timeout_s: float = 15.0) -> None:
        """SIGTERM the process group (``stop_signals`` times), then SIGKILL what is left."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        group = os.getpgid(process.pid)
        for _ in range(self.stop_signals):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
            try:
                process.wait(timeout=timeout_s / max(1, self.stop_signals))
                break
            except subprocess.TimeoutExpired:
                continue
        # Workers of a forking server can outlive their parent's exit.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def pids(self) -> list[int]:
        """The process and all its descendants (workers of a multi-process server)."""
        return [self.pid, *descendants(self.pid)]

    def cpu_seconds(self) -> float:
        """CPU time used by the process and its descendants so far."""
        return cpu_seconds(self.pids())

    def rss_kb(self) -> int:
        """Resident memory of the process and its descendants, from /proc (kB)."""
        return sum(rss_kb(pid) for pid in self.pids())


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    queue = [pid]
    while queue:
        parent = queue.pop()
        try:
            text = Path(f"/proc/{parent}/task/{parent}/children").read_text()
        except OSError:
            continue
        children = [int(p) for p in text.split()]
        found += children
        queue += children
    return found


_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (gone processes count 0)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name; utime and stime are the 12th and 13th.
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / _TICKS_PER_S


def rss_kb(pid: int) -> int:
    """VmRSS of one process in kB, 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


@contextlib.contextmanager
def running(service: Service, *, ready_timeout_s: float = 60.0) -> Iterator[Service]:
    service.start(ready_timeout_s=ready_timeout_s)
    try:
        yield service
    finally:
        service.stop()


def debian_command(command: str, package: str, *, install: bool = True) -> str | None:
    """Path of ``command``, installing its Debian ``package`` first if it is missing and we
    are allowed to and able to (root with apt-get); ``None`` if it is still missing."""
    found = shutil.which(command)
    if found or not install or not shutil.which("apt-get") or os.geteuid() != 0:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        subprocess.run(argv, env=env, capture_output=True, timeout=600, check=False)
    return shutil.which(command)
