"""Access control built from the settings: who is let in, what they may do, how much.

Start-up rules: with authentication configured the gateway is closed to everyone without a
valid credential. Without it, the gateway stays open (everyone is the unrestricted
``anonymous`` client) only in front of the sandbox, or when ``GATEWAY_AUTH=off`` says so; in
front of a real vendor it refuses to start.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import strawberry
from strawberry.extensions import SchemaExtension

from gateway.auth import scopes
from gateway.auth.api_keys import ApiKeys
from gateway.auth.authenticator import Authenticator
from gateway.auth.jwks import JwksVerifier
from gateway.auth.limits import ClientLimits
from gateway.auth.principal import OPEN_ACCESS, set_client
from gateway.auth.trusted import TrustedDocumentGuard, TrustedDocuments
from gateway.errors import (
    AccessSetupError,
    ApiKeyFileError,
    CredentialRefused,
    CredentialUncheckable,
    ManifestError,
    WebSocketRejected,
)
from gateway.http.ws_hooks import WsConnection
from gateway.settings import GatewaySettings

logger = logging.getLogger("gateway")

NO_AUTH_IN_FRONT_OF_REAL_VENDOR = (
    "GATEWAY_AUTH: a real vendor is configured but no client authentication: set "
    "GATEWAY_AUTH_JWKS_URL (or GATEWAY_AUTH_JWKS_FILE) with GATEWAY_AUTH_ISSUER and "
    "GATEWAY_AUTH_AUDIENCE, and/or GATEWAY_API_KEYS_FILE; or GATEWAY_AUTH=off to run open"
)


@dataclass(eq=False)
class AccessControl:
    authenticator: Authenticator
    limits: ClientLimits | None = None
    documents: TrustedDocuments | None = None

    @property
    def open_access(self) -> bool:
        return self.authenticator.open_access

    def install(self, schema: strawberry.Schema) -> None:
        """Scope checks on every root field, and the trusted-document guard."""
        charge = self.limits.charge if self.limits is not None and self.limits.limits_cost else None
        fallback = OPEN_ACCESS if self.open_access else None
        scopes.install(schema._schema, scopes.AccessPolicy(fallback, charge))
        if self.documents is not None:
            guard: Callable[[], SchemaExtension] = partial(TrustedDocumentGuard, self.documents)
            schema.extensions = (*schema.extensions, guard)

    async def authenticate_ws(self, connection: WsConnection) -> Mapping[str, object] | None:
        """The ``connection_init`` payload's ``Authorization``, else the handshake's header."""
        params = connection.params
        given = params.get("Authorization", params.get("authorization"))
        if given is None:
            given = connection.headers.get("authorization")
        try:
            principal = await self.authenticator.authenticate(
                given if isinstance(given, str) else None
            )
        except CredentialRefused as refusal:
            raise WebSocketRejected(refusal.reason) from None
        except CredentialUncheckable as exc:
            raise WebSocketRejected(str(exc)) from None
        if self.limits is not None:
            # A connection counts as one request: sockets must not dodge the request rate.
            retry_after = await self.limits.admit_request(principal)
            if retry_after is not None:
                raise WebSocketRejected(f"Too many requests; retry after {retry_after} s")
        if connection.state is not None:
            set_client({"state": connection.state}, principal)
        return None

    @contextmanager
    def reload_keys_on_sighup(self) -> Iterator[None]:
        """SIGHUP re-reads the API key file (main thread only, as signal handlers are)."""
        keys = self.authenticator.api_keys
        if keys is None or threading.current_thread() is not threading.main_thread():
            yield
            return
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, keys.reload)
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGHUP)

    async def aclose(self) -> None:
        if self.limits is not None:
            await self.limits.aclose()


def check_open_access_allowed(settings: GatewaySettings) -> None:
    """No authentication in front of a real vendor only with an explicit ``GATEWAY_AUTH=off``."""
    auth = settings.auth
    real_vendor = settings.engage.configured or settings.expertsender.configured
    if not auth.configured and real_vendor and auth.required is not False:
        raise AccessSetupError(NO_AUTH_IN_FRONT_OF_REAL_VENDOR)


def check_access_settings(settings: GatewaySettings) -> None:
    """What can be checked before serving: the open-access rule, the key file, the manifest
    (so that a mistake in them is one line, not a failed start-up)."""
    check_open_access_allowed(settings)
    _api_keys(settings, announce=False)
    _documents(settings, announce=False)


async def start_access_control(settings: GatewaySettings) -> AccessControl:
    auth = settings.auth
    check_open_access_allowed(settings)
    if not auth.configured:
        reason = "GATEWAY_AUTH=off" if auth.required is False else "sandbox, no authentication set"
        logger.warning(
            "OPEN ACCESS (%s): every client may read, write and delete orders and read the "
            "integration log without a credential",
            reason,
        )
        authenticator = Authenticator(open_access=True)
    else:
        authenticator = Authenticator(jwks=await _jwks(settings), api_keys=_api_keys(settings))
    return AccessControl(authenticator, _limits(settings), _documents(settings))


async def _jwks(settings: GatewaySettings) -> JwksVerifier | None:
    auth = settings.auth
    if not auth.jwt_configured:
        return None
    assert auth.issuer is not None and auth.audience is not None  # checked with the settings
    verifier = JwksVerifier(
        issuer=auth.issuer,
        audience=auth.audience,
        url=auth.jwks_url,
        file=auth.jwks_file,
        leeway_s=auth.leeway_s,
        refresh_min_s=auth.jwks_refresh_min_s,
    )
    try:
        await verifier.load()
    except CredentialUncheckable:
        verifier_failed = True
    else:
        verifier_failed = verifier.key_count == 0
    if verifier_failed:
        variable = "GATEWAY_AUTH_JWKS_URL" if auth.jwks_url else "GATEWAY_AUTH_JWKS_FILE"
        raise AccessSetupError(
            f"{variable}: no signing keys could be loaded from {auth.jwks_url or auth.jwks_file}"
        )
    logger.info(
        "client authentication: JWTs from %s checked against %s",
        auth.issuer,
        auth.jwks_url or auth.jwks_file,
    )
    return verifier


def _api_keys(settings: GatewaySettings, *, announce: bool = True) -> ApiKeys | None:
    path = settings.auth.api_keys_file
    if path is None:
        return None
    try:
        keys = ApiKeys(path)
    except ApiKeyFileError as exc:
        raise AccessSetupError(f"GATEWAY_API_KEYS_FILE: {exc}") from None
    if announce:
        logger.info(
            "client authentication: %d API key clients from %s (SIGHUP re-reads)", len(keys), path
        )
    return keys


def _limits(settings: GatewaySettings) -> ClientLimits | None:
    if not settings.client_limits.requests_per_s and not settings.client_limits.cost_per_minute:
        return None
    return ClientLimits(
        settings.client_limits,
        redis_url=settings.redis_url,
        key_prefix=settings.redis_key_prefix,
    )


def _documents(settings: GatewaySettings, *, announce: bool = True) -> TrustedDocuments | None:
    trusted = settings.trusted_documents
    if trusted.manifest is None:
        return None
    try:
        documents = TrustedDocuments.load(trusted.manifest, only=trusted.only)
    except ManifestError as exc:
        raise AccessSetupError(f"GATEWAY_TRUSTED_DOCUMENTS: {exc}") from None
    if announce:
        logger.info(
            "%d trusted documents from %s%s",
            len(documents.documents),
            trusted.manifest,
            "; other documents are refused" if trusted.only else "",
        )
    return documents
