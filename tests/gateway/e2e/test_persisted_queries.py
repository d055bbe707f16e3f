"""Apollo's automatic persisted queries: the protocol over POST and GET, batched, turned off,
and shared by two gateway processes through Redis."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.gateway.test_cli import COMMAND, clean_env, free_port, running
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.node import run_client_case
from tests.support.redis import RedisServer

QUERY = "{ vendors { vendor } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
JSON = {"Accept": "application/json"}
STARTED = re.compile(r"Application startup complete")


def persisted(sha256: str = HASH, **extra: Any) -> dict[str, Any]:
    return {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256}}, **extra}


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(batch_max=3) as handle:
        yield handle


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_miss_then_register_then_hit_over_post_and_get(gw: GatewayHandle) -> None:
    sha256 = hashlib.sha256(b"{ vendors { sandbox } }").hexdigest()
    miss = gw.client.post(gw.graphql_url, json=persisted(sha256), headers=JSON).json()
    assert miss == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    full = persisted(sha256, query="{ vendors { sandbox } }")
    assert gw.client.post(gw.graphql_url, json=full).json()["data"]["vendors"]
    hit = gw.client.post(gw.graphql_url, json=persisted(sha256)).json()
    assert hit["data"]["vendors"][0] == {"sandbox": True}
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": sha256}})
    by_get = gw.client.get(gw.graphql_url, params={"extensions": extensions}, headers=JSON)
    assert by_get.status_code == 200
    assert by_get.json()["data"]["vendors"][0] == {"sandbox": True}


def test_a_hash_that_does_not_match_the_query_is_refused(gw: GatewayHandle) -> None:
    body = persisted("0" * 64, query=QUERY)
    answer = gw.client.post(gw.graphql_url, json=body, headers=JSON).json()
    assert answer["errors"][0]["message"] == "provided sha does not match query"
    assert codes(answer) == ["BAD_REQUEST"]
    # Nothing was registered under the wrong hash.
    again = gw.client.post(gw.graphql_url, json=persisted("0" * 64), headers=JSON).json()
    assert codes(again) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    "extension",
    [
        "yes",
        {"version": 2, "sha256Hash": HASH},
        {"version": 1, "sha256Hash": "not-hex"},
        {"version": 1},
    ],
)
def test_a_malformed_extension_is_a_typed_400(gw: GatewayHandle, extension: object) -> None:
    body = {"extensions": {"persistedQuery": extension}}
    answer = gw.client.post(
        gw.graphql_url, json=body, headers={"Accept": "application/graphql-response+json"}
    )
    assert answer.status_code == 400
    assert codes(answer.json()) == ["BAD_REQUEST"]


def test_each_operation_of_a_batch_is_resolved_on_its_own(gw: GatewayHandle) -> None:
    gw.client.post(gw.graphql_url, json=persisted(query=QUERY))
    batch = [persisted(), persisted("1" * 64), {"query": "{ nope }"}]
    answer = gw.client.post(gw.graphql_url, json=batch)
    assert answer.status_code == 200
    first, second, third = answer.json()
    assert first["data"]["vendors"]
    assert codes(second) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert codes(third) == ["GRAPHQL_VALIDATION_FAILED"]


def test_turned_off_it_says_not_supported() -> None:
    with sandbox_gateway(persisted_queries=False) as gw:
        answer = gw.client.post(gw.graphql_url, json=persisted(), headers=JSON).json()
    assert codes(answer) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
    assert answer["errors"][0]["message"] == "PersistedQueryNotSupported"


def test_two_gateway_processes_share_persisted_queries_through_redis(
    redis_server: RedisServer,
) -> None:
    if not redis_server.running:
        redis_server.start()
    prefix = f"apq-{uuid.uuid4().hex[:8]}"
    ports = [free_port(), free_port()]
    env = clean_env(GATEWAY_REDIS_URL=redis_server.url, GATEWAY_REDIS_KEY_PREFIX=prefix)
    first_args = [COMMAND, "serve", "--port", str(ports[0])]
    second_args = [COMMAND, "serve", "--port", str(ports[1])]
    with running(first_args, env) as first, running(second_args, env) as second:
        first.wait_for(STARTED)
        second.wait_for(STARTED)
        urls = [f"http://127.0.0.1:{port}/graphql" for port in ports]
        seen = run_client_case(
            "apollo-apq", urls[0], email="anna.berg@example.com", secondUrl=urls[1]
        )
        # The hash Apollo registered through process one, asked of process two directly.
        sha256 = seen["exchanges"][0]["body"]["extensions"]["persistedQuery"]["sha256Hash"]
        body = persisted(sha256, variables={"email": "anna.berg@example.com"})
        direct = httpx.post(urls[1], json=body, timeout=10).json()
    assert [r["error"] for r in seen["runs"]] == [None, None], seen
    exchanges = seen["exchanges"]
    # Process one: miss, then the full document; process two: a hit on its first request.
    assert [(e["url"], "query" in (e["body"] or {})) for e in exchanges] == [
        (urls[0], False),
        (urls[0], True),
        (urls[1], False),
    ]
    assert exchanges[2]["status"] == 200
    assert direct["data"]["contact"]["email"] == "anna.berg@example.com"


def test_with_redis_lost_a_hash_is_a_miss_and_the_full_document_still_runs(
    redis_server: RedisServer,
) -> None:
    if not redis_server.running:
        redis_server.start()
    prefix = f"apq-down-{uuid.uuid4().hex[:8]}"
    with sandbox_gateway(redis_url=redis_server.url, redis_key_prefix=prefix) as gw:
        gw.client.post(gw.graphql_url, json=persisted(query=QUERY))
        assert gw.client.post(gw.graphql_url, json=persisted()).json()["data"]["vendors"]
        redis_server.stop()
        try:
            miss = gw.client.post(gw.graphql_url, json=persisted(), headers=JSON)
            assert miss.status_code == 200
            assert codes(miss.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
            full = gw.client.post(gw.graphql_url, json=persisted(query=QUERY), headers=JSON)
            assert full.json()["data"]["vendors"]
        finally:
            redis_server.start()
