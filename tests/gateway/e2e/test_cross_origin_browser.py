"""A page on another origin, in a real headless Chromium, reads what the gateway's answers
carry for it: the request id to quote to support, and when to retry after a 429. A browser
hides every response header a CORS answer does not expose, beyond a short safelist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium import webdriver

from gateway.auth.settings import ClientLimitSettings
from tests.support.browser import headless_chromium
from tests.support.gateway import GatewayHandle, sandbox_gateway

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
    with headless_chromium() as driver:
        driver.set_script_timeout(20)
        yield driver


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


# HEAD with a header outside the CORS safelist: the browser asks a preflight for HEAD first.
_HEAD_WITH_A_HEADER = """
const [url, done] = arguments;
fetch(url + "?query=" + encodeURIComponent("{ vendors { vendor } }"), {
  method: "HEAD",
  headers: {"apollographql-client-name": "web-shop"},
}).then(r => done({status: r.status, type: r.headers.get("content-type")}),
        e => done({error: String(e)}));
"""


def test_a_page_on_another_origin_may_send_head_with_its_own_headers(
    browser: webdriver.Chrome,
) -> None:
    with sandbox_gateway(cors_origins=("*",)) as gw:
        browser.get(f"http://localhost:{gw.server.port}/healthz")
        answer: Any = browser.execute_async_script(_HEAD_WITH_A_HEADER, gw.graphql_url)
    # The preflight for HEAD was refused ("Disallowed CORS method"): the fetch failed.
    assert answer == {"status": 200, "type": "application/json"}, answer
