"""GraphiQL's subscriptions with authentication on: the key put in its Headers tab goes into
the WebSocket's ``connection_init`` (README: Who may do what), so a live subscription runs."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from gateway.auth.settings import AuthSettings
from tests.gateway.auth.test_graphiql_with_a_key import open_with_key
from tests.gateway.e2e.test_graphiql_browser import (
    _RESPONSE_VALUE,
    REFUSED_DELETE,
    SUBSCRIPTION,
    WAIT_S,
    _type_query,
    browser,
)
from tests.support.auth import write_api_keys
from tests.support.gateway import sandbox_gateway

__all__ = ["browser"]  # the Chromium fixture, shared with the plain GraphiQL tests


@pytest.fixture(scope="module")
def pane(browser: webdriver.Chrome, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root: Path = tmp_path_factory.mktemp("graphiql-subscription-key")
    keys = write_api_keys(
        root / "keys", {"developer": ("orders:read", "orders:delete", "log:read")}
    )
    key = keys["developer"].key
    with sandbox_gateway(auth=AuthSettings(api_keys_file=str(root / "keys"))) as gw:
        open_with_key(browser, gw.graphql_url, key)
        _type_query(browser, SUBSCRIPTION)
        browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            gw.post(REFUSED_DELETE, headers={"Authorization": f"ApiKey {key}"})
            with contextlib.suppress(TimeoutException):
                WebDriverWait(browser, 1).until(
                    lambda d: "ORDER_NOT_FOUND" in (d.execute_script(_RESPONSE_VALUE) or "")
                )
                break
        yield browser.execute_script(_RESPONSE_VALUE) or ""


def test_a_subscription_runs_with_the_key_from_the_headers_tab(pane: str) -> None:
    assert "ORDER_NOT_FOUND" in pane, pane
    assert "UNAUTHENTICATED" not in pane and "4403" not in pane
