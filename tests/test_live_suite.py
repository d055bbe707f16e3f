"""``make test-live`` passes against the emulators, under the run's answer variants, and says
in one line per vendor what to set when a vendor is not configured."""

from __future__ import annotations

import os
import subprocess
import sys

from sandbox.engage.app import create_app as create_engage
from sandbox.engage.settings import DEFAULT_API_KEY as ENGAGE_KEY
from sandbox.engage.settings import EngageSandboxSettings
from sandbox.expertsender.app import create_app as create_expertsender
from sandbox.expertsender.inferred import DEFAULT_API_KEY as EXPERTSENDER_KEY
from sandbox.expertsender.settings import ExpertSenderSandboxSettings
from tests.support.servers import serve
from tests.support.variants import run_variants

LIVE_VARIABLES = (
    "ENGAGE_BASE_URL",
    "ENGAGE_API_KEY",
    "LIVE_ENGAGE_CONTACT_EMAIL",
    "EXPERTSENDER_BASE_URL",
    "EXPERTSENDER_API_KEY",
    "LIVE_EXPERTSENDER_CONTACT_EMAIL",
)


def run_live_suite(**environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in LIVE_VARIABLES}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/live"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_live_suite_passes_against_the_emulators() -> None:
    variants = run_variants()
    engage = create_engage(EngageSandboxSettings(job_delay_ms=20, variants=variants))
    expertsender = create_expertsender(ExpertSenderSandboxSettings(variants=variants))
    with serve(engage) as engage_server, serve(expertsender, ws="none") as es_server:
        done = run_live_suite(
            ENGAGE_BASE_URL=engage_server.url,
            ENGAGE_API_KEY=ENGAGE_KEY,
            LIVE_ENGAGE_CONTACT_EMAIL="anna.berg@example.com",
            EXPERTSENDER_BASE_URL=es_server.url,
            EXPERTSENDER_API_KEY=EXPERTSENDER_KEY,
            LIVE_EXPERTSENDER_CONTACT_EMAIL="jonas.lind@example.com",
        )
        leftovers = [
            order_id
            for order_id, stored in engage.state.engage.orders.items()
            if order_id.startswith("OGLIVE-") and stored is not None
        ]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout and "skipped" not in done.stdout
    assert leftovers == []


def test_without_credentials_each_vendor_is_skipped_with_one_line() -> None:
    done = run_live_suite()
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("live ")]
    assert lines == [
        "live ENGAGE skipped: set ENGAGE_BASE_URL, ENGAGE_API_KEY, LIVE_ENGAGE_CONTACT_EMAIL"
        " to check your tenant",
        "live EXPERTSENDER skipped: set EXPERTSENDER_BASE_URL, EXPERTSENDER_API_KEY,"
        " LIVE_EXPERTSENDER_CONTACT_EMAIL to check your tenant",
    ]
