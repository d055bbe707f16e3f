"""The per-client request rate in one process: 429 with Retry-After, per client."""

from __future__ import annotations

from pathlib import Path

from gateway.auth.settings import AuthSettings, ClientLimitSettings
from tests.support.auth import write_api_keys
from tests.support.gateway import sandbox_gateway

QUERY = {"query": "{ vendors { vendor } }"}


def test_a_client_over_its_request_rate_gets_429_with_retry_after(tmp_path: Path) -> None:
    clients = write_api_keys(tmp_path / "keys", {"busy": (), "calm": ()})
    with sandbox_gateway(
        auth=AuthSettings(api_keys_file=str(tmp_path / "keys")),
        client_limits=ClientLimitSettings(requests_per_s=1),
    ) as gw:
        answers = [
            gw.client.post(gw.graphql_url, json=QUERY, headers=clients["busy"].header)
            for _ in range(5)
        ]
        calm = gw.client.post(gw.graphql_url, json=QUERY, headers=clients["calm"].header)
    refused = [a for a in answers if a.status_code == 429]
    assert answers[0].status_code == 200
    assert refused, [a.status_code for a in answers]
    for answer in refused:
        assert int(answer.headers["retry-after"]) >= 1
        error = answer.json()["errors"][0]
        assert error["extensions"] == {
            "code": "RATE_LIMITED",
            "retryAfter": int(answer.headers["retry-after"]),
        }
        assert "'busy'" in error["message"]
    assert calm.status_code == 200
