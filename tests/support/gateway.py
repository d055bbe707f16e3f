"""A whole gateway in sandbox mode, over real loopback HTTP, for tests.

``sandbox_gateway()`` starts the app (whose lifespan starts both vendor emulators on their own
loopback ports) and yields a handle with the URLs and a small GraphQL client::

    with sandbox_gateway() as gw:
        result = gw.post("{ vendors { vendor } }")
        assert result["data"]["vendors"]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
from starlette.middleware import Middleware

from adapters.model import Vendor
from gateway.app import create_app
from gateway.bootstrap import Gateway
from gateway.http.connections import server_options
from gateway.observability import Observability
from gateway.settings import (
    ClientLimits,
    GatewaySettings,
    JobSettings,
    QueryLimits,
    SandboxSettings,
)
from tests.support.servers import LoopbackServer, serve
from tests.support.variants import variants_mode

# Fast jobs and polls so tests that wait for a job finish in well under a second.
TEST_SANDBOX = SandboxSettings(engage_job_delay_ms=50, variants=variants_mode())
TEST_JOBS = JobSettings(poll_delays=(0.02, 0.05, 0.1), poll_jitter=0.0, timeout_s=10.0)
# Every test request comes from one address, i.e. one client: a share no test module outspends
# (tests of the shares themselves pass their own).
TEST_CLIENTS = ClientLimits(cost_rate=10_000, cost_burst=1_000_000, vendor_concurrency=64)


@dataclasses.dataclass
class GatewayHandle:
    server: LoopbackServer
    settings: GatewaySettings
    client: httpx.Client
    # The running gateway inside the server: services, schema, emulators, vendor endpoints.
    gateway: Gateway

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def graphql_url(self) -> str:
        return f"{self.server.url}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/graphql"

    def emulator_url(self, vendor: Vendor) -> str:
        return self.gateway.endpoints[vendor].base_url

    @property
    def engage_url(self) -> str:
        return self.emulator_url(Vendor.ENGAGE)

    @property
    def expertsender_url(self) -> str:
        return self.emulator_url(Vendor.EXPERTSENDER)

    def post(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST one operation; returns the decoded response body (any status code)."""
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = dict(variables)
        if operation_name is not None:
            body["operationName"] = operation_name
        response = self.client.post(self.graphql_url, json=body, headers=dict(headers or {}))
        decoded: dict[str, Any] = response.json()
        return decoded


def sandbox_settings(**overrides: Any) -> GatewaySettings:
    """Test settings: sandbox for both vendors, ephemeral ports, fast jobs; then ``overrides``
    (top-level ``GatewaySettings`` fields, e.g. ``limits=QueryLimits(max_depth=3)``)."""
    base = GatewaySettings(
        port=0,
        sandbox=TEST_SANDBOX,
        jobs=TEST_JOBS,
        limits=QueryLimits(),
        clients=TEST_CLIENTS,
        ws_keepalive_s=15.0,
    )
    return dataclasses.replace(base, **overrides)


@contextmanager
def sandbox_gateway(
    *,
    extra_middleware: Sequence[Middleware] = (),
    observability: Observability | None = None,
    **overrides: Any,
) -> Iterator[GatewayHandle]:
    settings = sandbox_settings(**overrides)
    app = create_app(settings, extra_middleware=extra_middleware, observability=observability)
    # The server limits the gateway's own command runs with (header deadline, no server header).
    with (
        serve(
            app,
            **server_options(
                settings.connections, max_message_bytes=settings.limits.max_body_bytes
            ),
        ) as server,
        httpx.Client(timeout=10.0) as client,
    ):
        yield GatewayHandle(server, settings, client, app.state.gateway)
