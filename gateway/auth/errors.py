"""Refusals of authentication and authorisation."""

from __future__ import annotations

from typing import Any

from gateway.errors import GatewayError

FORBIDDEN = "FORBIDDEN"
UNAUTHENTICATED = "UNAUTHENTICATED"
AUTHENTICATION_UNAVAILABLE = "AUTHENTICATION_UNAVAILABLE"
RATE_LIMITED = "RATE_LIMITED"
TRUSTED_DOCUMENT_REQUIRED = "TRUSTED_DOCUMENT_REQUIRED"


class CredentialRefused(Exception):
    """A missing or bad credential: HTTP 401 (``reason`` is safe to show)."""

    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


class CredentialUncheckable(Exception):
    """The credential cannot be checked now (the JWKS cannot be fetched): HTTP 503."""


class Forbidden(GatewayError):
    code = FORBIDDEN

    def __init__(self, scope: str, field: str) -> None:
        super().__init__(f"`{field}` needs the scope `{scope}`, which this client does not have")
        self.scope = scope

    @property
    def extensions(self) -> dict[str, Any]:
        return {**super().extensions, "scope": self.scope}


class Unauthenticated(GatewayError):
    code = UNAUTHENTICATED


class RateLimited(GatewayError):
    code = RATE_LIMITED

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s

    @property
    def extensions(self) -> dict[str, Any]:
        return {**super().extensions, "retryAfter": self.retry_after_s}


class TrustedDocumentRequired(GatewayError):
    code = TRUSTED_DOCUMENT_REQUIRED
