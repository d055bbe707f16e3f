"""A page on another origin, in a real headless Chromium, reads what the gateway's answers
carry for it: the request id to quote to support, and when to retry after a 429. A browser
hides every response header a CORS answer does not expose, beyond a short safelist."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from gateway.auth.settings import ClientLimitSettings
from tests.support.gateway import GatewayHandle, sandbox_gateway

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# Two requests at once: the first answered, the second over the client's request rate (1/s).
_FETCH_TWICE = """
const [url, done] = arguments;
const ask = () => fetch(url, {
  method: "POST",
  headers: {"content-type": "application/json"},
  body: JSON.stringify({query: "{ vendors { vendor } }"}),
}).then(r => ({
  status: r.status,
  requestId: r.headers.get("x-request-id"),
  retryAfter: r.headers.get("retry-after"),
}));
Promise.all([ask(), ask()]).then(done, e => done({error: String(e)}));
"""


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    limits = ClientLimitSettings(requests_per_s=1)
    with sandbox_gateway(cors_origins=("*",), client_limits=limits) as handle:
        yield handle


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        raise RuntimeError(
            "Chromium is needed: apt-get install -y chromium chromium-driver (make system-deps)"
        )
    profile = tempfile.mkdtemp(prefix="cors-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_a_page_on_another_origin_reads_the_request_id_and_retry_after(
    gw: GatewayHandle, browser: webdriver.Chrome
) -> None:
    # localhost and 127.0.0.1 are two origins: the page's fetches are cross-origin.
    browser.get(f"http://localhost:{gw.server.port}/healthz")
    answers: Any = browser.execute_async_script(_FETCH_TWICE, gw.graphql_url)
    assert isinstance(answers, list), answers
    by_status = {answer["status"]: answer for answer in answers}
    assert set(by_status) == {200, 429}, answers
    assert by_status[200]["requestId"], answers
    assert by_status[429]["requestId"], answers
    assert int(by_status[429]["retryAfter"]) >= 1, answers
