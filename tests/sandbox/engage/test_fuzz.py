"""Property-based run of schemathesis against the live emulator: every answer matches the
document the emulator serves, and the only 5xx is the documented 500 for a request without
`Content-Type: application/json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sandbox.engage.app import create_app
from sandbox.engage.openapi import openapi_document
from sandbox.engage.settings import DEFAULT_API_KEY, EngageSandboxSettings
from tests.support.servers import LoopbackServer, serve

# Far above what the run can send, so no 429 hides an answer worth checking.
UNLIMITED = 1_000_000


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[LoopbackServer]:
    settings = EngageSandboxSettings(job_delay_ms=5, rate_limit_per_second=UNLIMITED)
    with serve(create_app(settings), ws="none") as srv:
        yield srv


# Built from the same function `/openapi.json` serves (test_served_document_is_the_fuzzed_one
# keeps them equal): the parametrized tests must exist before any server runs.
schema = schemathesis.openapi.from_dict(openapi_document())


def test_served_document_is_the_fuzzed_one(fuzz_server: LoopbackServer) -> None:
    served = httpx.get(f"{fuzz_server.url}/openapi.json", timeout=5).json()
    assert served == openapi_document()


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def send_without_user_agent(prepared: dict[str, Any]) -> httpx.Response:
    """Schemathesis' own transport (requests + urllib3) puts a default User-Agent back when a
    case leaves that header out, so the missing-header case would never reach the server as
    such: send that case with httpx, exactly as prepared."""
    content: bytes | None = None
    if "json" in prepared:
        content = json.dumps(prepared["json"]).encode()
    elif prepared.get("data") is not None:
        data = prepared["data"]
        content = data if isinstance(data, bytes) else str(data).encode()
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        client.headers.clear()
        return client.request(
            prepared["method"],
            prepared["url"],
            headers=dict(prepared["headers"]),
            params=prepared.get("params"),
            content=content,
        )


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_emulator_conforms_to_its_document(
    case: schemathesis.Case[Any], fuzz_server: LoopbackServer
) -> None:
    headers = {"apikey": DEFAULT_API_KEY}
    if isinstance(case.body, NotSet) and not case.headers.get("Content-Type"):
        # Engage needs the JSON content type on GETs too; a request without it is checked below.
        headers["Content-Type"] = "application/json"
    prepared = case.as_transport_kwargs(base_url=fuzz_server.url, headers=headers)
    response: Any
    if "User-Agent" in prepared["headers"]:
        response = case.call(base_url=fuzz_server.url, headers=headers, timeout=10)
    else:
        response = send_without_user_agent(prepared)
    sent_type = response.request.headers.get("Content-Type")
    if response.status_code >= 500:
        assert response.status_code == 500, response.text
        assert not _is_json(sent_type), f"500 for a JSON request: {response.text}"
        assert response.json() == {"message": "An error has occurred."}
    # Schema-valid data the emulator rightly refuses: a PUT whose body names another order,
    # a create of an id that exists, an action with a versionTag no order has.
    excluded: list[CheckFunction] = [not_a_server_error, positive_data_acceptance]
    case.validate_response(response, excluded_checks=excluded, headers=headers)
