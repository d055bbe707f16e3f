"""The ASGI application: ``create_app(settings)``.

Everything with a lifetime (emulators, backends, job pollers, the integration log) is started
by the lifespan and closed again when it ends; routes that need it reach it through the
``Gateway`` the lifespan stores on ``app.state.gateway``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from gateway.auth.middleware import AccessGate, AccessMiddleware
from gateway.auth.setup import start_access_control
from gateway.auth.trusted import TrustedDocuments
from gateway.bootstrap import Gateway, start_gateway
from gateway.context import make_context_getter
from gateway.documents import DocumentLookup, DocumentStore, MemoryDocumentStore
from gateway.errors import AccessSetupError, StartupError
from gateway.guard.door import refused_at_the_door
from gateway.guard.shares import ClientShares
from gateway.http.body_limit import BodySizeLimitMiddleware
from gateway.http.body_timeout import BodyTimeoutMiddleware
from gateway.http.cors import cors_middleware
from gateway.http.graphiql import static_mount
from gateway.http.health import health_routes
from gateway.http.log_once import tracebacks_once
from gateway.http.masking import quiet_expected_errors
from gateway.http.persisted_queries import PersistedQueries
from gateway.http.vendor_deadline import VendorDeadlineMiddleware
from gateway.http.view import GatewayGraphQL
from gateway.observability import Observability, configure_logging
from gateway.settings import GatewaySettings, load_settings
from gateway.shutdown import complete_streams_on_signal


class _GraphQLEndpoint:
    """Routes to the GraphQL view built by the lifespan (it needs the running services)."""

    def __init__(self) -> None:
        self.view: GatewayGraphQL | None = None
        self.shares: ClientShares | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        shares = self.shares
        if (
            shares is not None
            and scope["type"] == "http"
            and await refused_at_the_door(shares, scope, send)
        ):
            return
        if self.view is None:
            if scope["type"] == "websocket":
                await WebSocket(scope, receive, send).close(code=1013)
                return
            response = Response(
                b'{"errors":[{"message":"The gateway is starting"}]}',
                status_code=503,
                media_type="application/json",
            )
            await response(scope, receive, send)
            return
        await self.view(scope, receive, send)


def create_app(
    settings: GatewaySettings,
    *,
    extra_middleware: Sequence[Middleware] = (),
    observability: Observability | None = None,
) -> Starlette:
    """The gateway as an ordinary Starlette app: every route, ``/graphql`` included, runs
    under the same middleware stack, so CORS, authentication or metrics added there see it.

    ``extra_middleware`` runs outside the gateway's own (body timeout, authentication, body
    size limit), in the order given, and inside the request-id and tracing middleware, which
    sees every request first, and CORS. ``observability`` defaults to metrics, plus traces when
    ``OTEL_*`` asks for them.
    """
    quiet_expected_errors()
    observed = Observability.from_environment() if observability is None else observability
    endpoint = _GraphQLEndpoint()
    holder: dict[str, Gateway] = {}
    gate = AccessGate()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            access = await start_access_control(settings)
        except AccessSetupError as exc:
            raise StartupError(str(exc)) from None
        gateway = await start_gateway(settings, observed)
        observed.observe(gateway.services)
        holder["gateway"] = gateway
        app.state.gateway = gateway
        access.install(gateway.schema)
        gate.control = access
        endpoint.view = GatewayGraphQL(
            gateway.schema,
            context_getter=make_context_getter(gateway.services),
            graphiql=settings.graphiql,
            keepalive_s=settings.ws_keepalive_s,
            ws_authenticator=None if access.open_access else access.authenticate_ws,
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            ws_init_timeout_s=settings.connections.ws_init_timeout_s,
            allowed_origins=settings.cors_origins,
            batch_max=settings.batch_max,
            persisted_queries=PersistedQueries(
                _document_store(gateway),
                known=_trusted_documents(access.documents),
                max_tokens=settings.limits.max_tokens,
            ),
            max_tokens=settings.limits.max_tokens,
        )
        endpoint.shares = gateway.shares
        try:
            with (
                complete_streams_on_signal(gateway.services.end_streams),
                access.reload_keys_on_sighup(),
                tracebacks_once(),
            ):
                yield
        finally:
            endpoint.view = None
            gate.control = None
            endpoint.shares = None
            try:
                await gateway.aclose()
            finally:
                await access.aclose()
                await observed.aclose()

    async def readiness() -> dict[str, bool]:
        gateway = holder.get("gateway")
        if gateway is None:
            return {"gateway": False}
        return await gateway.readiness()

    routes: list[Any] = [
        *health_routes(readiness),
        observed.metrics_route(),
        # No method list: the view answers other methods itself, with a GraphQL-shaped 405.
        Route("/graphql", endpoint),
        WebSocketRoute("/graphql", endpoint),
        static_mount(),
    ]
    max_body_bytes = settings.limits.max_body_bytes
    return Starlette(
        routes=routes,
        middleware=[
            observed.middleware(),
            # Before anything that could refuse a request, so a preflight is answered and every
            # answer (413s included) carries the CORS headers a browser needs to read it.
            cors_middleware(settings.cors_origins),
            *extra_middleware,
            Middleware(BodyTimeoutMiddleware, timeout_s=settings.connections.body_timeout_s),
            Middleware(AccessMiddleware, gate=gate, max_body_bytes=max_body_bytes),
            Middleware(BodySizeLimitMiddleware, max_body_bytes=max_body_bytes),
            Middleware(VendorDeadlineMiddleware, queue_s=settings.vendor_queue_s),
        ],
        lifespan=lifespan,
    )


class _TrustedDocumentLookup:
    """The trusted documents, found by an APQ hash before the persisted-query store."""

    def __init__(self, documents: TrustedDocuments) -> None:
        self._documents = documents

    async def lookup(self, sha256: str) -> str | None:
        return self._documents.lookup(sha256)


def _trusted_documents(documents: TrustedDocuments | None) -> list[DocumentLookup]:
    return [] if documents is None else [_TrustedDocumentLookup(documents)]


def _document_store(gateway: Gateway) -> DocumentStore | None:
    if not gateway.settings.persisted_queries:
        return None
    shared = gateway.services.shared
    return shared.document_store() if shared is not None else MemoryDocumentStore()


def create_app_from_env() -> Starlette:
    """Factory for ``uvicorn --factory`` and worker processes: settings from the environment."""
    settings = load_settings()
    if not logging.getLogger().handlers:
        # A worker process: its parent's logging set-up does not reach it.
        configure_logging(settings.log_level, settings.log_format, secrets=settings.secrets())
    return create_app(settings)
