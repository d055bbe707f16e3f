"""The authenticated client (``Principal``) and its scopes.

A scope is ``<area>:<verb>`` (``orders:read``) for every vendor, or ``<area>:<verb>:<vendor>``
(``orders:write:engage``) for one. The principal of a request lives in the ASGI scope's state
under ``CLIENT_STATE_KEY`` (``request.state.client``) and, for code without the request at hand
(the integration log), in a context variable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from adapters.model import Vendor

ORDERS_READ = "orders:read"
ORDERS_WRITE = "orders:write"
ORDERS_DELETE = "orders:delete"
ORDERS_ACTIONS = "orders:actions"
LOG_READ = "log:read"
DOCUMENTS_ANY = "documents:any"

VENDOR_SCOPES = (ORDERS_READ, ORDERS_WRITE, ORDERS_DELETE, ORDERS_ACTIONS)
ALL_SCOPES = (*VENDOR_SCOPES, LOG_READ, DOCUMENTS_ANY)

CLIENT_STATE_KEY = "client"
ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Principal:
    """A client the gateway knows: its name, its scopes and when its credential expires
    (seconds since the epoch; ``None`` for API keys and open access)."""

    name: str
    scopes: frozenset[str]
    expires_at: float | None = None
    # Open access (no authentication configured): every root field is allowed.
    unrestricted: bool = False

    def allows(self, scope: str, vendor: Vendor | None = None) -> bool:
        if self.unrestricted or scope in self.scopes:
            return True
        return vendor is not None and f"{scope}:{vendor.value.lower()}" in self.scopes

    def missing(self, scope: str, vendor: Vendor | None = None) -> str | None:
        """The scope to name in a refusal, or ``None`` when allowed."""
        if self.allows(scope, vendor):
            return None
        return f"{scope}:{vendor.value.lower()}" if vendor is not None else scope


# Open access may do everything but send arbitrary documents where only trusted ones are
# accepted: that mode is meant for browser apps, which may well run without credentials.
OPEN_ACCESS = Principal(ANONYMOUS, frozenset((*VENDOR_SCOPES, LOG_READ)), unrestricted=True)


def parse_scopes(value: object) -> frozenset[str]:
    """Scopes from a ``scope`` claim (space-separated) or a list (``scp``, a key file)."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, Iterable):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


current_client: ContextVar[Principal | None] = ContextVar("gateway_client", default=None)


def client_of(scope_state: Mapping[str, Any] | None) -> Principal | None:
    if scope_state is None:
        return None
    principal = scope_state.get(CLIENT_STATE_KEY)
    return principal if isinstance(principal, Principal) else None


def set_client(scope: MutableMapping[str, Any], principal: Principal) -> None:
    """Make ``principal`` the request's client: on its ASGI scope and in this context, and
    (when it has a name) in the request's log lines, over any name the client merely declared."""
    scope.setdefault("state", {})[CLIENT_STATE_KEY] = principal
    current_client.set(principal)
    if not principal.unrestricted:
        # Imported here: the observability package imports the services, which import this.
        from gateway.observability import context as log_context

        log_context.client.set(principal.name)
