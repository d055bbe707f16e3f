"""Memory that documents a client sends may hold: every cache keyed by a document's text is
bounded in bytes, not only in entries, so distinct large documents (each within the body and
token limits: padding costs no tokens) cannot grow the process by a megabyte a request."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from tests.gateway.e2e.hostile_support import stays_healthy
from tests.support.gateway import GatewayHandle, sandbox_gateway

# Within the 1 MB body limit and the token limit, and distinct each time.
PADDING = 900_000
REQUESTS = 100  # about 90 MB of distinct documents, well past the 64 MB growth allowed


def padded_document(number: int) -> str:
    return "{ vendors { vendor } }" + " " * PADDING + f"# {number}"


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def test_distinct_large_documents_do_not_grow_memory(gw: GatewayHandle) -> None:
    with stays_healthy(gw):
        for number in range(REQUESTS):
            response = gw.client.post(gw.graphql_url, json={"query": padded_document(number)})
            assert response.json() == {
                "data": {"vendors": [{"vendor": "ENGAGE"}, {"vendor": "EXPERTSENDER"}]}
            }


def test_distinct_large_persisted_queries_do_not_grow_memory(gw: GatewayHandle) -> None:
    with stays_healthy(gw):
        for number in range(REQUESTS):
            document = padded_document(REQUESTS + number)
            sha256 = hashlib.sha256(document.encode()).hexdigest()
            persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256}}
            body = {"query": document, "extensions": persisted}
            response = gw.client.post(gw.graphql_url, json=body)
            assert "errors" not in response.json()
    # The latest registered is still known by its hash alone.
    response = gw.client.post(gw.graphql_url, json={"extensions": persisted})
    assert response.json()["data"]["vendors"][0] == {"vendor": "ENGAGE"}
