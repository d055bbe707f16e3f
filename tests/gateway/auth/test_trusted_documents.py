"""Trusted documents: a manifest made by GraphQL Code Generator's client preset (run for real on
the committed schema), Relay's persisted-queries shape, trusted-only mode, and a developer key
with ``documents:any`` that still runs anything (GraphiQL)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from gateway.auth.settings import AuthSettings, TrustedDocumentSettings
from tests.support.auth import ApiKeyClient, write_api_keys
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.node import NODE_DIR, node_tools

REPO = Path(__file__).resolve().parents[3]
CODEGEN_DIR = NODE_DIR / "codegen"
ARBITRARY = '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId } }'
GRAPHQL_RESPONSE = "application/graphql-response+json"


def codegen_manifest(out: Path) -> dict[str, str]:
    """``persisted-documents.json`` as ``graphql-codegen`` writes it for tests/node/codegen/src."""
    tools = node_tools(CODEGEN_DIR)
    config = {
        "schema": str(REPO / "schema.graphql"),
        "documents": [str(tools / "src" / "*.ts")],
        "generates": {
            f"{out}/": {"preset": "client", "presetConfig": {"persistedDocuments": True}}
        },
    }
    config_file = out / "codegen.json"
    out.mkdir(parents=True, exist_ok=True)
    config_file.write_text(json.dumps(config))
    subprocess.run(
        [str(tools / "node_modules" / ".bin" / "graphql-codegen"), "--config", str(config_file)],
        cwd=tools,
        check=True,
        capture_output=True,
        timeout=240,
    )
    manifest: dict[str, str] = json.loads((out / "persisted-documents.json").read_text())
    return manifest


@dataclass
class Trusted:
    gw: GatewayHandle
    manifest: dict[str, str]
    shop: ApiKeyClient
    developer: ApiKeyClient

    def document_id(self, operation: str) -> str:
        return next(key for key, text in self.manifest.items() if operation in text)


@pytest.fixture(scope="module")
def trusted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trusted]:
    root = tmp_path_factory.mktemp("trusted")
    manifest = codegen_manifest(root / "gql")
    keys = write_api_keys(
        root / "keys",
        {"shop": ("orders:read",), "developer": ("orders:read", "documents:any")},
    )
    with sandbox_gateway(
        auth=AuthSettings(api_keys_file=str(root / "keys")),
        trusted_documents=TrustedDocumentSettings(
            manifest=str(root / "gql" / "persisted-documents.json"), only=True
        ),
    ) as gw:
        yield Trusted(gw, manifest, keys["shop"], keys["developer"])


def test_codegen_writes_sha256_ids_of_the_documents(trusted: Trusted) -> None:
    assert len(trusted.manifest) == 2
    assert all(key.startswith("sha256:") for key in trusted.manifest)


def test_a_client_sends_the_document_id_from_the_codegen_manifest(trusted: Trusted) -> None:
    body = {
        "documentId": trusted.document_id("ShopOrder"),
        "variables": {"vendor": "ENGAGE", "orderId": "ENG-1001"},
    }
    response = trusted.gw.client.post(
        trusted.gw.graphql_url, json=body, headers=trusted.shop.header
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["order"]["orderId"] == "ENG-1001"


def test_the_document_id_works_with_get_too(trusted: Trusted) -> None:
    params = {
        "documentId": trusted.document_id("ShopOrder"),
        "variables": json.dumps({"vendor": "EXPERTSENDER", "orderId": "ES-1001"}),
    }
    response = trusted.gw.client.get(
        trusted.gw.graphql_url, params=params, headers=trusted.shop.header
    )
    assert response.json()["data"]["order"]["orderId"] == "ES-1001"


def test_the_apq_extension_hash_finds_a_trusted_document(trusted: Trusted) -> None:
    sha = trusted.document_id("ShopOrder").removeprefix("sha256:")
    body = {
        "variables": {"vendor": "ENGAGE", "orderId": "ENG-1001"},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}},
    }
    response = trusted.gw.client.post(
        trusted.gw.graphql_url, json=body, headers=trusted.shop.header
    )
    assert response.json()["data"]["order"]["orderId"] == "ENG-1001"


def test_an_unknown_document_id_is_refused(trusted: Trusted) -> None:
    body = {"documentId": "sha256:" + "0" * 64}
    response = trusted.gw.client.post(
        trusted.gw.graphql_url, json=body, headers=trusted.shop.header
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_an_arbitrary_document_is_refused_in_trusted_only_mode(trusted: Trusted) -> None:
    response = trusted.gw.client.post(
        trusted.gw.graphql_url,
        json={"query": ARBITRARY},
        headers={**trusted.shop.header, "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"


async def test_an_arbitrary_subscription_is_refused_but_a_trusted_one_runs(
    trusted: Trusted,
) -> None:
    async with connect(trusted.gw.ws_url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": trusted.shop.header}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        arbitrary = {"query": "subscription { integrationLog { code } }"}
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": arbitrary}))
        refusal = json.loads(await ws.recv())
        assert refusal["type"] == "error"
        assert refusal["payload"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        # Strawberry's WebSocket protocols require `query`: the trusted text itself is sent.
        trusted_text = trusted.manifest[trusted.document_id("WatchJob")]
        by_hash = {"query": trusted_text, "variables": {"id": "not-a-job-id"}}
        await ws.send(json.dumps({"type": "subscribe", "id": "2", "payload": by_hash}))
        answer = json.loads(await ws.recv())
        # It ran: the resolver itself judged the id.
        codes = (
            [e["extensions"]["code"] for e in answer["payload"]]
            if answer["type"] == "error"
            else [e["extensions"]["code"] for e in answer["payload"]["errors"]]
        )
        assert codes == ["INVALID_ID"]


def test_a_developer_key_with_documents_any_runs_anything(trusted: Trusted) -> None:
    response = trusted.gw.client.post(
        trusted.gw.graphql_url, json={"query": ARBITRARY}, headers=trusted.developer.header
    )
    assert response.json()["data"]["order"]["orderId"] == "ENG-1001"
    introspection = trusted.gw.client.post(
        trusted.gw.graphql_url,
        json={"query": "{ __schema { queryType { name } } }"},
        headers=trusted.developer.header,
    )
    assert introspection.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_the_graphiql_page_loads_without_a_credential(trusted: Trusted) -> None:
    response = trusted.gw.client.get(trusted.gw.graphql_url, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_relay_persisted_queries_and_doc_id(tmp_path: Path) -> None:
    # relay-compiler's persistConfig writes this shape: {"<md5>": "<query text>"}.
    text = 'query AppOrderQuery { order(vendor: ENGAGE, orderId: "ENG-1002") { orderId } }'
    manifest = tmp_path / "persisted_queries.json"
    manifest.write_text(json.dumps({"3c0d5dc1c5b8e4f1a2b3c4d5e6f70819": text}))
    with sandbox_gateway(
        trusted_documents=TrustedDocumentSettings(manifest=str(manifest), only=True)
    ) as gw:
        found = httpx.post(gw.graphql_url, json={"doc_id": "3c0d5dc1c5b8e4f1a2b3c4d5e6f70819"})
        refused = httpx.post(gw.graphql_url, json={"query": ARBITRARY})
    assert found.json()["data"]["order"]["orderId"] == "ENG-1002"
    # Open access (the sandbox) still needs trusted documents in trusted-only mode.
    assert refused.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b"[1, 2]",
        b'{"documentId": 5}',
        b'{"documentId": null}',
        b'{"documentId": ["a"]}',
        b'[{"documentId": "sha256:nope"}]',
        b'{"documentId": "' + b"x" * 100_000 + b'"}',
    ],
)
def test_hostile_bodies_never_get_a_5xx(trusted: Trusted, body: bytes) -> None:
    response = trusted.gw.client.post(
        trusted.gw.graphql_url,
        content=body,
        headers={**trusted.shop.header, "Content-Type": "application/json"},
    )
    assert response.status_code < 500, response.text
    assert response.json()["errors"]


def test_a_hostile_get_never_gets_a_5xx(trusted: Trusted) -> None:
    url = f"{trusted.gw.graphql_url}?documentId=%ff%fe&variables=%7B"
    response = trusted.gw.client.get(url, headers=trusted.shop.header)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_head_answers_a_document_id_as_get_does(trusted: Trusted) -> None:
    params = {
        "documentId": trusted.document_id("ShopOrder"),
        "variables": json.dumps({"vendor": "EXPERTSENDER", "orderId": "ES-1001"}),
    }
    url, headers = trusted.gw.graphql_url, trusted.shop.header
    get = trusted.gw.client.get(url, params=params, headers=headers)
    head = trusted.gw.client.head(url, params=params, headers=headers)
    assert (head.status_code, head.headers["content-length"]) == (
        get.status_code,
        get.headers["content-length"],
    )
    assert head.content == b""


def test_head_of_an_arbitrary_document_is_refused_as_get_is(trusted: Trusted) -> None:
    params = {"query": ARBITRARY}
    headers = {**trusted.shop.header, "Accept": GRAPHQL_RESPONSE}
    head = trusted.gw.client.head(trusted.gw.graphql_url, params=params, headers=headers)
    assert head.status_code == 400


def test_head_of_the_graphiql_page_needs_no_credential_either(trusted: Trusted) -> None:
    head = trusted.gw.client.head(trusted.gw.graphql_url, headers={"Accept": "text/html"})
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/html")


def test_head_of_an_operation_needs_a_credential(trusted: Trusted) -> None:
    params = {"documentId": trusted.document_id("ShopOrder")}
    head = trusted.gw.client.head(trusted.gw.graphql_url, params=params)
    assert head.status_code == 401
