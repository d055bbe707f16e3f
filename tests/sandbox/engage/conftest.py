"""A live Engage emulator on loopback, and a client that speaks to it like an integration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.engage.app import create_app
from sandbox.engage.settings import DEFAULT_API_KEY, EngageSandboxSettings
from tests.support.servers import LoopbackServer, serve

HEADERS = {
    "apikey": DEFAULT_API_KEY,
    "User-Agent": "OrderGatewayTests/1.0",
    "Content-Type": "application/json",
}
FAST_JOBS_MS = 20


def engage_client(srv: LoopbackServer, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=srv.url, headers={**HEADERS, **headers}, timeout=5)


@pytest.fixture
def engage() -> Iterator[LoopbackServer]:
    with serve(create_app(EngageSandboxSettings(job_delay_ms=FAST_JOBS_MS))) as srv:
        yield srv


@pytest.fixture(scope="module")
def shared_engage() -> Iterator[LoopbackServer]:
    """One emulator for a whole module, for tests that only read or are refused (and check
    that nothing changed)."""
    with serve(create_app(EngageSandboxSettings(job_delay_ms=FAST_JOBS_MS))) as srv:
        yield srv


@pytest.fixture
def reader(shared_engage: LoopbackServer) -> Iterator[httpx.Client]:
    with engage_client(shared_engage) as c:
        yield c


@pytest.fixture
def client(engage: LoopbackServer) -> Iterator[httpx.Client]:
    with engage_client(engage) as c:
        yield c


def wait_for_job(client: httpx.Client, href: str, timeout_s: float = 30.0) -> httpx.Response:
    """Poll a job until it leaves Pending/Processing; the final answer is returned."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = client.get(href)
        if answer.status_code != 200 or answer.json()["status"] not in ("Pending", "Processing"):
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"job {href} still {answer.json()['status']} after {timeout_s}s")
        time.sleep(0.01)


def new_order(order_id: str, **changes: Any) -> dict[str, Any]:
    """A small valid order for Anna Berg (a demo contact) with known demo articles."""
    order: dict[str, Any] = {
        "orderId": order_id,
        "contact": {"matchKey": "anna.berg@example.com", "matchKeyType": "Email"},
        "externalStoreId": "WEB-SE",
        "status": "InProgress",
        "currencyCode": "SEK",
        "createdAt": "2025-12-03T15:15:19+01:00",
        "lineItems": {
            "items": [
                {
                    "id": "1",
                    "quantity": 2,
                    "article": {"sku": "SKU-CAP", "name": "Cotton cap"},
                    "pricePerUnit": 249,
                    "totalPrice": 498,
                }
            ],
            "subTotal": 498,
        },
        "totalPrice": 498,
    }
    order.update(changes)
    return order


def write_and_wait(client: httpx.Client, method: str, url: str, body: Any = None) -> httpx.Response:
    accepted = client.request(method, url, json=body)
    assert accepted.status_code == 202, accepted.text
    return wait_for_job(client, accepted.json()["href"])
