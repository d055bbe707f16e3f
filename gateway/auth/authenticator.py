"""One ``Authorization`` value to a ``Principal``: a JWT (checked against the JWKS) or an API key.

Accepted forms: ``Bearer <jwt>``, ``Bearer <api key>`` and ``ApiKey <api key>``. The same
value is read from the HTTP header, from the WebSocket handshake's header or from the
``connection_init`` payload.
"""

from __future__ import annotations

from gateway.auth.api_keys import ApiKeys
from gateway.auth.jwks import JwksVerifier
from gateway.auth.principal import OPEN_ACCESS, Principal
from gateway.errors import CredentialRefused

REALM = "order-gateway"
_SCHEMES = ("bearer", "apikey")


class Authenticator:
    """``open_access``: nothing is configured (sandbox, or ``GATEWAY_AUTH=off``): everyone is
    the unrestricted anonymous client."""

    def __init__(
        self,
        *,
        jwks: JwksVerifier | None = None,
        api_keys: ApiKeys | None = None,
        open_access: bool = False,
    ) -> None:
        self.jwks = jwks
        self.api_keys = api_keys
        self.open_access = open_access

    async def authenticate(self, authorization: str | None) -> Principal:
        if self.open_access:
            return OPEN_ACCESS
        if authorization is None or not authorization.strip():
            raise CredentialRefused("Authentication required", missing=True)
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() not in _SCHEMES or not credential:
            raise CredentialRefused("Use `Authorization: Bearer <token>` or `ApiKey <key>`")
        if scheme.lower() == "bearer" and credential.count(".") == 2 and self.jwks is not None:
            return await self.jwks.verify(credential)
        if self.api_keys is not None:
            principal = self.api_keys.verify(credential)
            if principal is not None:
                return principal
        raise CredentialRefused("The credential is not valid")

    def challenge(self, refusal: CredentialRefused) -> str:
        """The ``WWW-Authenticate`` value for a 401 (RFC 6750)."""
        if refusal.missing:
            return f'Bearer realm="{REALM}"'
        reason = refusal.reason.replace('"', "'")
        return f'Bearer realm="{REALM}", error="invalid_token", error_description="{reason}"'
