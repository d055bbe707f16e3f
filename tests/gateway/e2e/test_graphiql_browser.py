"""GraphiQL in a real headless Chromium: it loads, runs a typed query, shows the schema docs,
and nothing the page does leaves the machine."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import headless_chromium
from tests.support.gateway import GatewayHandle, sandbox_gateway

WAIT_S = 30
# One line: GraphiQL closes brackets and quotes as they are typed and steps over the closing
# ones when they are typed in turn, which only comes out right without line breaks.
TYPED_QUERY = 'query Demo { order(vendor: ENGAGE, orderId: "ENG-1004") { orderId status type } }'
SUBSCRIPTION = "subscription Live { integrationLog { code orderId } }"
REFUSED_DELETE = (
    'mutation { deleteOrder(input: {vendor: ENGAGE, orderId: "NO-SUCH-ORDER"}) '
    "{ errors { code } } }"
)
SCREENSHOT_DIR = Path(os.environ.get("GRAPHIQL_SCREENSHOT_DIR", tempfile.gettempdir()))


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    flags = (
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,900",
    )
    logging = {"goog:loggingPrefs": {"performance": "ALL", "browser": "ALL"}}
    with headless_chromium(flags, logging) as driver:
        driver.set_page_load_timeout(WAIT_S)
        yield driver


@pytest.fixture(scope="module")
def session(gw: GatewayHandle, browser: webdriver.Chrome) -> dict[str, Any]:
    """Drives the whole visit once; the tests below check what it saw."""
    browser.get(gw.graphql_url)
    wait = WebDriverWait(browser, WAIT_S)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-query-editor")))
    # The schema has loaded once the editor knows the root type.
    wait.until(lambda d: d.execute_script(_SCHEMA_LOADED))
    tabs = [tab.text for tab in browser.find_elements(By.CSS_SELECTOR, ".graphiql-tab")]
    first_tab = browser.execute_script(_EDITOR_VALUE)
    headers_hint = browser.execute_script(_HEADERS_VALUE)
    browser.find_element(By.CSS_SELECTOR, '[aria-label="Show GraphiQL Explorer"]').click()
    plugin = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".graphiql-plugin")))
    wait.until(lambda d: "vendors" in plugin.text)
    explorer_text = plugin.text
    browser.save_screenshot(str(SCREENSHOT_DIR / "graphiql-explorer.png"))

    _type_query(browser, TYPED_QUERY)
    typed = browser.execute_script(_EDITOR_VALUE)
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    try:
        wait.until(lambda d: "ENG-1004" in (d.execute_script(_RESPONSE_VALUE) or ""))
    except TimeoutException:
        browser.save_screenshot(str(SCREENSHOT_DIR / "graphiql-failed.png"))
        raise AssertionError(
            f"no result for the typed query; editor held {typed!r}, response pane "
            f"{browser.execute_script(_RESPONSE_VALUE)!r}"
        ) from None
    response_text = browser.execute_script(_RESPONSE_VALUE)
    browser.save_screenshot(str(SCREENSHOT_DIR / "graphiql-query.png"))

    subscription_events = _run_subscription(gw, browser)

    browser.find_element(By.CSS_SELECTOR, '[aria-label="Show Documentation Explorer"]').click()
    docs = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".graphiql-doc-explorer")))
    wait.until(lambda d: "Query" in docs.text)
    docs.find_element(By.CSS_SELECTOR, ".graphiql-doc-explorer-type-name").click()
    wait.until(lambda d: "writeOrder" in docs.text or "integrationLog" in docs.text)
    docs_text = docs.text
    browser.save_screenshot(str(SCREENSHOT_DIR / "graphiql-docs.png"))

    return {
        "tabs": tabs,
        "first_tab": first_tab,
        "headers_hint": headers_hint,
        "explorer": explorer_text,
        "typed": typed,
        "subscription": subscription_events,
        "response": json.loads(response_text),
        "docs": docs_text,
        "requests": _requested_urls(browser),
        "console": browser.get_log("browser"),  # type: ignore[no-untyped-call]
    }


def _type_query(browser: webdriver.Chrome, text: str) -> None:
    editor = browser.find_element(By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror")
    editor.click()
    browser.execute_script(_EDITOR_CLEAR)
    editor.find_element(By.CSS_SELECTOR, "textarea").send_keys(text)
    # CodeMirror reads its hidden textarea on a timer, and GraphiQL parses the text (to pick
    # HTTP or WebSocket for it) a moment later, then stores it: wait for that stored copy.
    # (If it never comes, the tests report what the editor held.)
    with contextlib.suppress(TimeoutException):
        WebDriverWait(browser, WAIT_S).until(lambda d: d.execute_script(_STORED_QUERY) == text)


def _run_subscription(gw: GatewayHandle, browser: webdriver.Chrome) -> str:
    """Starts a live integration-log subscription in GraphiQL (over WebSocket), then makes the
    gateway log something until the event shows in the result pane; returns the pane."""
    _type_query(browser, SUBSCRIPTION)
    browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    deadline = time.monotonic() + WAIT_S
    # The tail only carries entries logged after it started, and GraphiQL shows nothing until
    # the first event: keep causing entries until one arrives.
    while time.monotonic() < deadline:
        gw.post(REFUSED_DELETE)
        with contextlib.suppress(TimeoutException):
            WebDriverWait(browser, 1).until(
                lambda d: "ORDER_NOT_FOUND" in (d.execute_script(_RESPONSE_VALUE) or "")
            )
            break
    pane: str = browser.execute_script(_RESPONSE_VALUE) or ""
    browser.save_screenshot(str(SCREENSHOT_DIR / "graphiql-subscription.png"))
    return pane


_SCHEMA_LOADED = """
const cm = document.querySelector('.graphiql-query-editor .CodeMirror');
return Boolean(cm && cm.CodeMirror && cm.CodeMirror.options.lint
    && cm.CodeMirror.options.lint.schema);
"""
_QUERY_EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
_EDITOR_CLEAR = f"{_QUERY_EDITOR}.setValue('')"
_EDITOR_VALUE = f"return {_QUERY_EDITOR}.getValue()"
_STORED_QUERY = "return window.localStorage.getItem('graphiql:query')"
_HEADERS_VALUE = """
const cm = document.querySelector('.graphiql-editor-tool .CodeMirror');
return cm ? cm.CodeMirror.getValue() : null;
"""
_RESPONSE_VALUE = """
const cm = document.querySelector('.graphiql-response .CodeMirror');
return cm ? cm.CodeMirror.getValue() : null;
"""


def _requested_urls(browser: webdriver.Chrome) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):  # type: ignore[no-untyped-call]
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls.append(params["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(params["url"])
    return urls


def test_graphiql_runs_the_typed_query(session: dict[str, Any]) -> None:
    assert session["typed"] == TYPED_QUERY
    order = session["response"]["data"]["order"]
    assert order == {"orderId": "ENG-1004", "status": "COMPLETED", "type": "MIXED"}


def test_graphiql_runs_a_subscription_over_websocket(
    gw: GatewayHandle, session: dict[str, Any]
) -> None:
    event = json.loads(session["subscription"])
    assert event["data"]["integrationLog"] == {
        "code": "ORDER_NOT_FOUND",
        "orderId": "NO-SUCH-ORDER",
    }
    sockets = [url for url in session["requests"] if url.startswith("ws")]
    assert sockets == [f"ws://127.0.0.1:{gw.server.port}/graphql"]


def test_the_docs_explorer_shows_the_schema(session: dict[str, Any]) -> None:
    assert "order" in session["docs"]
    assert "contact" in session["docs"]


def test_no_request_leaves_the_machine(gw: GatewayHandle, session: dict[str, Any]) -> None:
    urls = session["requests"]
    port = str(gw.server.port)
    # The page, its scripts and styles, the schema introspection and the query at the least.
    assert len(urls) >= 5
    for url in urls:
        # Browser-internal schemes (the start tab's chrome:// resources ship inside Chromium).
        if url.startswith(("data:", "blob:", "about:", "chrome:")):
            continue
        parts = urlsplit(url)
        assert (parts.hostname, str(parts.port)) == ("127.0.0.1", port), url


def test_the_page_loads_every_asset_from_the_gateway(
    gw: GatewayHandle, session: dict[str, Any]
) -> None:
    static = f"{gw.graphql_url}/static/"
    loaded = {url.removeprefix(static) for url in session["requests"] if url.startswith(static)}
    assert {
        "graphiql/graphiql.min.js",
        "graphiql/graphiql.min.css",
        "react/react.production.min.js",
        "react/react-dom.production.min.js",
        "order-gateway-graphiql.js",
        "graphiql-tabs.json",
        "explorer/plugin-explorer.umd.js",
        "explorer/plugin-explorer.css",
    } <= loaded


def test_the_readme_examples_open_as_tabs(session: dict[str, Any]) -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```graphql\n(.*?)```", readme, re.S)
    names = [re.search(r"(?:query|mutation|subscription) (\w+)", e).group(1) for e in examples]  # type: ignore[union-attr]
    assert names == ["FirstLook", "FirstWrite", "Watch", "Confirm"]
    assert [tab.strip() for tab in session["tabs"]] == names
    assert examples[0] in session["first_tab"]
    # Where a token goes, said where the query is written; the headers editor is open for it.
    assert "Authorization" in session["first_tab"] and "Headers" in session["first_tab"]
    assert session["headers_hint"] is not None


def test_the_explorer_plugin_lists_the_root_fields(session: dict[str, Any]) -> None:
    for field in ("vendors", "order", "contact", "integrationLog"):
        assert field in session["explorer"]


def test_the_console_shows_no_errors(session: dict[str, Any]) -> None:
    # A Content-Security-Policy violation or a failed asset would show up here.
    errors = [entry["message"] for entry in session["console"] if entry["level"] == "SEVERE"]
    assert errors == []


_EVENT_SOURCE = """
const [url, done] = [arguments[0], arguments[arguments.length - 1]];
const seen = [];
const source = new EventSource(url);
source.addEventListener("next", (event) => seen.push(JSON.parse(event.data)));
source.addEventListener("complete", () => { source.close(); done(seen); });
source.onerror = () => { source.close(); done(seen.concat(["error"])); };
"""
FINISHED_WRITE = """
mutation { writeOrder(input: {vendor: EXPERTSENDER, mode: ADD, order: {
  orderId: "BROWSER-SSE-1", createdAt: "2026-11-23T10:15:00+01:00", currency: "SEK", total: 1,
  contact: {email: "jonas.lind@example.com"},
  lines: [{sku: "SKU-1", name: "Socks", quantity: 1, unitPrice: 1, totalPrice: 1}]}})
  { job { id state } } }
"""


def test_a_browser_event_source_reads_a_subscription(
    gw: GatewayHandle, browser: webdriver.Chrome, session: dict[str, Any]
) -> None:
    job = gw.post(FINISHED_WRITE)["data"]["writeOrder"]["job"]
    assert job["state"] == "COMPLETED"
    query = 'subscription { jobProgress(id: "' + job["id"] + '") { state } }'
    url = f"{gw.graphql_url}?query={quote(query)}"
    browser.set_script_timeout(WAIT_S)
    seen = browser.execute_async_script(_EVENT_SOURCE, url)
    assert seen == [{"data": {"jobProgress": {"state": "COMPLETED"}}}]
