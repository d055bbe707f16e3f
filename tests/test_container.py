"""The container image: the Dockerfile lints clean, and (where an OCI builder and a base image
are available) the image builds, runs as a non-root user without build tools, and reports
healthy on /healthz.

Building needs the base image, which an offline machine cannot pull: set
``ORDER_GATEWAY_TEST_BASE_IMAGE`` to a local image with Python 3.11 (and ``python3 -m venv``)
to run the build tests, e.g. one made with ``debootstrap --include=python3,python3-venv`` and
``podman import``. They run as root (chroot, ``podman image mount``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gateway.test_cli import free_port

REPO = Path(__file__).resolve().parents[1]
HADOLINT = Path(sys.executable).parent / "hadolint"
BASE_IMAGE = os.environ.get("ORDER_GATEWAY_TEST_BASE_IMAGE")
BUILD_TIMEOUT_S = 900


def test_the_dockerfile_lints_clean() -> None:
    result = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", "Dockerfile"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_runs_unprivileged_with_a_healthcheck() -> None:
    lines = (REPO / "Dockerfile").read_text().splitlines()
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) == 2  # the final stage starts clean: no pip, no compiler
    final = lines[lines.index(stages[-1]) :]
    user = next(line for line in final if line.startswith("USER "))
    assert not user.split()[1].startswith(("0", "root"))
    assert any(line.startswith("HEALTHCHECK ") for line in final)
    assert any("/healthz" in line for line in final)


def test_compose_runs_two_gateways_on_one_redis_and_the_sandbox() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert {"redis", "sandbox", "gateway"} <= set(services)
    gateway = services["gateway"]
    assert gateway["deploy"]["replicas"] == 2
    env = gateway["environment"]
    assert env["GATEWAY_REDIS_URL"].startswith("redis://redis:")
    assert env["SANDBOX_ENGAGE_URL"].startswith("http://sandbox:")
    assert services["sandbox"]["command"][:1] == ["sandbox"]


def podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    config: dict[str, Any]
    root: Path  # the image's file system, mounted read-only


@pytest.fixture(scope="module")
def image() -> Iterator[BuiltImage]:
    if shutil.which("podman") is None or BASE_IMAGE is None:
        pytest.skip("needs podman and ORDER_GATEWAY_TEST_BASE_IMAGE (see the module docstring)")
    tag = f"localhost/order-gateway-test:{uuid.uuid4().hex[:8]}"
    # chroot isolation: RUN steps need no container runtime; docker format keeps HEALTHCHECK.
    built = podman(
        "build",
        "--isolation",
        "chroot",
        "--format",
        "docker",
        "--build-arg",
        f"PYTHON_IMAGE={BASE_IMAGE}",
        "--tag",
        tag,
        str(REPO),
        timeout=BUILD_TIMEOUT_S,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    try:
        inspected = podman("image", "inspect", tag)
        described = json.loads(inspected.stdout)[0]
        config: dict[str, Any] = described["Config"]
        # podman shows the HEALTHCHECK beside the config, docker inside it.
        config.setdefault("Healthcheck", described.get("Healthcheck"))
        mounted = podman("image", "mount", tag)
        assert mounted.returncode == 0, mounted.stderr
        yield BuiltImage(tag, config, Path(mounted.stdout.strip()))
    finally:
        podman("image", "unmount", tag)
        podman("rmi", "--force", tag)


def in_image(image: BuiltImage, command: list[str], **env: str) -> list[str]:
    """``command`` on the image's file system, as the image's user with the image's
    environment. Where the machine cannot start containers (hybrid cgroups, no rlimit
    rights), this runs the very same files and user, minus the isolation."""
    environment = dict(item.split("=", 1) for item in image.config.get("Env", []))
    environment.update(env)
    return [
        "chroot",
        f"--userspec={image.config['User']}",
        str(image.root),
        "/usr/bin/env",
        "-i",
        *(f"{k}={v}" for k, v in environment.items()),
        *command,
    ]


def test_the_image_runs_as_its_own_user_without_build_tools(image: BuiltImage) -> None:
    assert image.config["User"] == "10001:10001"
    assert image.config["Entrypoint"] == ["order-gateway"]
    probe = subprocess.run(
        in_image(image, ["sh", "-c", "id -u; command -v gcc cc make pip pip3 || true"]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == ["10001"]  # and no build tool on the PATH


def test_the_image_healthcheck_passes_once_the_gateway_serves(image: BuiltImage) -> None:
    healthcheck = image.config["Healthcheck"]["Test"]
    assert healthcheck[0] == "CMD"
    port = str(free_port())
    server = subprocess.Popen(
        in_image(image, ["sh", "-c", "cd /tmp && exec order-gateway serve"], GATEWAY_PORT=port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            check = subprocess.run(
                in_image(image, healthcheck[1:], GATEWAY_PORT=port), capture_output=True
            )
            if check.returncode == 0:
                break
            assert server.poll() is None and time.monotonic() < deadline, "never healthy"
            time.sleep(1)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    first = json.loads(output.splitlines()[0])
    assert first["level"] and "request_id" in first
