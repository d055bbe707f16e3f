"""GraphiQL in a real headless Chromium against a gateway that accepts trusted documents only:
the page loads without a credential, and a developer key with ``documents:any``, typed into
GraphiQL's Headers tab, loads the schema and runs a typed query."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.wait import WebDriverWait

from gateway.auth.settings import AuthSettings, TrustedDocumentSettings
from tests.gateway.e2e.test_graphiql_browser import (
    _RESPONSE_VALUE,
    _SCHEMA_LOADED,
    SCREENSHOT_DIR,
    TYPED_QUERY,
    WAIT_S,
    _type_query,
    browser,
)
from tests.support.auth import write_api_keys
from tests.support.gateway import sandbox_gateway

__all__ = ["browser"]  # the Chromium fixture, shared with the plain GraphiQL tests

_SET_HEADERS = """
const editors = [...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')];
const shown = editors.find((e) => !e.classList.contains('hidden'));
shown.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0]);
"""


def open_with_key(browser: webdriver.Chrome, url: str, key: str) -> None:
    """Opens GraphiQL and puts ``key`` in its Headers tab; returns once the schema has loaded
    with it."""
    browser.get(url)
    wait = WebDriverWait(browser, WAIT_S)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-query-editor")))
    tabs = browser.find_elements(By.CSS_SELECTOR, ".graphiql-editor-tools button")
    next(tab for tab in tabs if tab.text.strip() == "Headers").click()
    browser.execute_script(_SET_HEADERS, json.dumps({"Authorization": f"ApiKey {key}"}))
    # GraphiQL takes the edited headers in after a debounce: re-fetch until they are used.
    refetch = browser.find_element(By.CSS_SELECTOR, '[aria-label="Re-fetch GraphQL schema"]')
    for _ in range(WAIT_S):
        refetch.click()
        with contextlib.suppress(TimeoutException):
            WebDriverWait(browser, 1).until(lambda d: d.execute_script(_SCHEMA_LOADED))
            break
    assert browser.execute_script(_SCHEMA_LOADED), "the schema never loaded with the key"


@pytest.fixture(scope="module")
def visit(
    browser: webdriver.Chrome, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    root: Path = tmp_path_factory.mktemp("graphiql-key")
    manifest = root / "persisted-documents.json"
    manifest.write_text(json.dumps({"sha256:1": "{ vendors { vendor } }"}))
    keys = write_api_keys(root / "keys", {"developer": ("orders:read", "documents:any")})
    with sandbox_gateway(
        auth=AuthSettings(api_keys_file=str(root / "keys")),
        trusted_documents=TrustedDocumentSettings(manifest=str(manifest), only=True),
    ) as gw:
        wait = WebDriverWait(browser, WAIT_S)
        open_with_key(browser, gw.graphql_url, keys["developer"].key)
        _type_query(browser, TYPED_QUERY)
        browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
        wait.until(lambda d: "ENG-1004" in (d.execute_script(_RESPONSE_VALUE) or ""))
        browser.save_screenshot(str(SCREENSHOT_DIR / "graphiql-with-a-key.png"))
        yield {"response": browser.execute_script(_RESPONSE_VALUE)}


def test_a_developer_key_runs_an_arbitrary_query_in_graphiql(visit: dict[str, str]) -> None:
    order = json.loads(visit["response"])["data"]["order"]
    assert order == {"orderId": "ENG-1004", "status": "COMPLETED", "type": "MIXED"}
