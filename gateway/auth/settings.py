"""Settings of client authentication, per-client limits and trusted documents.

Plain dataclasses without imports from the rest of the gateway: ``gateway.settings`` parses the
environment variables into them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """How clients prove who they are.

    ``required``: ``None`` decides by itself (closed when any authentication is configured),
    ``False`` is the explicit ``GATEWAY_AUTH=off``.
    """

    required: bool | None = None
    jwks_url: str | None = None
    jwks_file: str | None = None
    issuer: str | None = None
    audience: str | None = None
    leeway_s: float = 30.0
    # An unknown ``kid`` refetches the JWKS at most this often: random kids must not make the
    # gateway hammer the identity provider.
    jwks_refresh_min_s: float = 10.0
    api_keys_file: str | None = None

    @property
    def jwt_configured(self) -> bool:
        return self.jwks_url is not None or self.jwks_file is not None

    @property
    def configured(self) -> bool:
        return self.jwt_configured or self.api_keys_file is not None


@dataclass(frozen=True, slots=True)
class ClientLimitSettings:
    """Per-client budgets; ``None`` means unlimited."""

    requests_per_s: int | None = None
    cost_per_minute: int | None = None


@dataclass(frozen=True, slots=True)
class TrustedDocumentSettings:
    manifest: str | None = None
    only: bool = False
