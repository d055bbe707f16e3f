"""The gateway's settings, read from the environment.

A frozen dataclass tree parsed by a small table of variables rather than pydantic-settings: the
variable names are part of the operator-facing contract and share no common prefix
(``ENGAGE_API_KEY`` next to ``GATEWAY_PORT``), tests build settings directly as plain dataclasses
without touching ``os.environ``, and every bad value becomes one ``SettingsError`` that names its
variable (and never echoes a secret) so start-up can stop with a single readable line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from strawberry.http.websocket_origin import normalize_origin

from adapters.defaults import DEFAULT_RATE_PER_SECOND, DEFAULT_TIMEOUT_S
from gateway.auth.settings import AuthSettings, ClientLimitSettings, TrustedDocumentSettings
from gateway.defaults import (
    DEFAULT_CACHE_TTL_S,
    DEFAULT_IDEMPOTENCY_LEASE_S,
    DEFAULT_JOB_TIMEOUT_S,
    DEFAULT_KEEPALIVE_S,
    DEFAULT_LOG_MAX_ENTRIES,
    DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    DEFAULT_POLL_DELAYS,
    DEFAULT_VENDOR_QUEUE_S,
    DEFAULT_WS_INIT_TIMEOUT_S,
)
from gateway.errors import SettingsError
from gateway.jobs import PollSchedule
from sandbox.faults import MAX_LATENCY_MS, FaultSettings, FaultSettingsError


@dataclass(frozen=True, slots=True)
class VendorSettings:
    """How to reach one vendor; without both a URL and a key the vendor runs in the sandbox."""

    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    rate_limit_per_s: float = DEFAULT_RATE_PER_SECOND
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def configured(self) -> bool:
        return self.base_url is not None and self.api_key is not None


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """The in-process emulators used for every vendor that is not configured."""

    engage_port: int = 0
    expertsender_port: int = 0
    # Set when the emulators already run elsewhere (the parent of a multi-worker server, or a
    # separate ``order-gateway sandbox``): the gateway then uses them instead of starting its own.
    engage_url: str | None = None
    expertsender_url: str | None = None
    # How long each Engage emulator job state lasts; None keeps the emulator's own default.
    engage_job_delay_ms: int | None = None
    # Faults both emulators inject from the start (they can be changed at run time through each
    # emulator's ``/_sandbox/faults``): for trying a frontend against a misbehaving vendor.
    faults: FaultSettings = field(default_factory=FaultSettings)
    # How the emulators answer where the vendors' docs leave the answer open:
    # ``documented``, ``invented`` or ``random:<seed>`` (see ``sandbox.variants``).
    variants: str = "documented"


@dataclass(frozen=True, slots=True)
class JobSettings:
    # Seconds before each poll of a vendor job; the last delay repeats until the job ends.
    poll_delays: tuple[float, ...] = DEFAULT_POLL_DELAYS
    poll_jitter: float = 0.1
    timeout_s: float = DEFAULT_JOB_TIMEOUT_S
    # How long a process's claim to poll a job lasts unless renewed; another process takes the
    # job over once it lapses. None: derived from the poll schedule (its steady delay x2 + 30 s).
    lease_ttl_s: float | None = None


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_depth: int = 12
    max_tokens: int = 2000
    max_aliases: int = 30
    max_body_bytes: int = 1_000_000
    # Field selections a document may expand to once its fragments are spread.
    max_complexity: int = 2000
    # Vendor calls one operation may be estimated to make, and may actually make.
    max_cost: int = 300
    max_vendor_calls: int = 600
    # CPU time (of the checking thread) the gateway's own document checks may take, in ms.
    validation_budget_ms: float = 100.0
    # Longest string any input may carry, where no vendor limit is shorter.
    max_string_length: int = 10_000


@dataclass(frozen=True, slots=True)
class ClientLimits:
    """Each client's share of the vendors: a bucket of vendor calls refilled at ``cost_rate``
    per second up to ``cost_burst``, and at most ``vendor_concurrency`` calls in flight."""

    cost_rate: float = 20.0
    cost_burst: int = 300
    vendor_concurrency: int = 8


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """Time and number limits on client connections (defaults a public deployment can keep)."""

    ws_init_timeout_s: float = DEFAULT_WS_INIT_TIMEOUT_S
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_connections: int = 1000


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    engage: VendorSettings = field(default_factory=VendorSettings)
    expertsender: VendorSettings = field(default_factory=VendorSettings)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    limits: QueryLimits = field(default_factory=QueryLimits)
    clients: ClientLimits = field(default_factory=ClientLimits)
    connections: ConnectionLimits = field(default_factory=ConnectionLimits)
    cache_ttl_s: float = DEFAULT_CACHE_TTL_S
    # How long past its TTL a cached read may still be served while one refresh runs.
    cache_stale_s: float = 0.0
    # How long a request's vendor calls may queue for the vendor budget.
    vendor_queue_s: float = DEFAULT_VENDOR_QUEUE_S
    log_max_entries: int = DEFAULT_LOG_MAX_ENTRIES
    # The integration log keeps fewer entries if its entries' byte budget would pass this.
    log_max_bytes: int = 64_000_000
    ws_keepalive_s: float = DEFAULT_KEEPALIVE_S
    # Operations one WebSocket connection may run at once; a client past it gets a clear error.
    max_subscriptions_per_connection: int = DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION
    graphiql: bool = True
    # None: introspection answers only while a vendor is served by its sandbox.
    introspection: bool | None = None
    log_level: str = "info"
    # "text" (readable lines) or "json" (one object per line, for log pipelines).
    log_format: str = "text"
    # Shared state of several gateway processes (jobs, job progress, cache invalidations,
    # idempotency keys, integration log); None keeps all of it in this process.
    redis_url: str | None = field(default=None, repr=False)
    redis_key_prefix: str = "order-gateway"
    # Browser origins allowed to call /graphql (CORS) and open its WebSocket; empty allows the
    # gateway's own origin only, ("*",) any origin.
    cors_origins: tuple[str, ...] = ()
    # Operations one batched request (a JSON array) may carry; 0 refuses batches.
    batch_max: int = 0
    # Apollo's automatic persisted queries.
    persisted_queries: bool = True
    auth: AuthSettings = field(default_factory=AuthSettings)
    client_limits: ClientLimitSettings = field(default_factory=ClientLimitSettings)
    trusted_documents: TrustedDocumentSettings = field(default_factory=TrustedDocumentSettings)
    # How long an idempotency key's lock outlives a process that stopped renewing it (died).
    idempotency_lease_s: float = DEFAULT_IDEMPOTENCY_LEASE_S
    # Signs job ids that carry a whole job (ExpertSender's); None derives it from the API key.
    job_signing_key: str | None = field(default=None, repr=False)

    @property
    def cache_enabled(self) -> bool:
        return self.cache_ttl_s > 0

    @property
    def uses_sandbox(self) -> bool:
        return not (self.engage.configured and self.expertsender.configured)

    @property
    def introspection_enabled(self) -> bool:
        return self.uses_sandbox if self.introspection is None else self.introspection

    def secrets(self) -> list[str]:
        """Values that must never reach a log line: the vendor API keys, the job signing key,
        the Redis password."""
        keys = (self.engage.api_key, self.expertsender.api_key, self.job_signing_key)
        values = [key for key in keys if key]
        if self.redis_url is not None:
            password = urlsplit(self.redis_url).password
            if password:
                values.append(password)
        return values


# Value parsers: each takes the raw text and returns the value or raises ValueError whose
# message completes "VARIABLE: <message>".


def _int(lo: int, hi: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise ValueError(f"expected an integer, got {raw!r}") from None
        if value < lo or (hi is not None and value > hi):
            bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            raise ValueError(f"expected an integer {bound}, got {value}")
        return value

    return parse


def _float(lo: float, *, inclusive: bool = False) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {raw!r}")
        if value < lo or (value == lo and not inclusive):
            bound = f"at least {lo:g}" if inclusive else f"greater than {lo:g}"
            raise ValueError(f"expected a number {bound}, got {value:g}")
        return value

    return parse


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected one of 1/0, true/false, yes/no, on/off, got {raw!r}")


def _url(raw: str) -> str:
    text = raw.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValueError(f"expected an http(s) URL, got {raw!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http(s) URL such as https://api.example.com, got {raw!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("expected a base URL without credentials, query or fragment")
    return text.rstrip("/")


_REDIS_SCHEMES = ("redis", "rediss", "unix")


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, fit for logs and error messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _redis_url(raw: str) -> str:
    text = raw.strip()
    shown = redact_url(text)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValueError(f"expected a redis:// URL, got {shown!r}") from None
    if parts.scheme not in _REDIS_SCHEMES:
        raise ValueError(
            f"expected a redis://, rediss:// or unix:// URL such as redis://localhost:6379/0, "
            f"got {shown!r}"
        )
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError(f"expected a socket path, as in unix:///run/redis.sock, got {shown!r}")
        return text
    if not parts.hostname:
        raise ValueError(f"expected a host, as in redis://localhost:6379/0, got {shown!r}")
    database = parts.path.strip("/")
    if database and not database.isdigit():
        raise ValueError(f"expected a database number after the host (/0), got {shown!r}")
    return text


def _key_prefix(raw: str) -> str:
    text = raw.strip()
    # Channel patterns are built from it, so glob characters would match other gateways' keys.
    if not text or len(text) > 64 or not all(ch.isalnum() or ch in "_.:-" for ch in text):
        raise ValueError(
            f"expected 1 to 64 letters, digits or any of _ . : - (no spaces), got {raw!r}"
        )
    return text


def _origins(raw: str) -> tuple[str, ...]:
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if items == ["*"]:
        return ("*",)
    origins: list[str] = []
    for item in items:
        origin = normalize_origin(item)
        parts = urlsplit(item)
        if (
            origin is None
            or parts.scheme not in ("http", "https")
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
            or "*" in parts.netloc  # origins match exactly: a wildcard inside one never does
        ):
            raise ValueError(
                "expected '*' or comma-separated origins such as "
                f"https://app.example.com,http://localhost:5173, got {item!r}"
            )
        origins.append(origin)
    if not origins:
        raise ValueError("expected '*' or at least one origin such as https://app.example.com")
    return tuple(origins)


def _delays(raw: str) -> tuple[float, ...]:
    return PollSchedule.parse(raw).delays


def _secret(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _signing_key(raw: str) -> str:
    text = raw.strip()
    if len(text) < 16:
        raise ValueError("must hold at least 16 characters")
    return text


def _host(raw: str) -> str:
    text = raw.strip()
    if not text or any(ch.isspace() for ch in text) or "/" in text:
        raise ValueError(f"expected a host name or IP address, got {raw!r}")
    return text


_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _log_level(raw: str) -> str:
    text = raw.strip().lower()
    if text not in _LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}, got {raw!r}")
    return text


LOG_FORMATS = ("text", "json")


def _log_format(raw: str) -> str:
    text = raw.strip().lower()
    if text not in LOG_FORMATS:
        raise ValueError(f"expected one of {', '.join(LOG_FORMATS)}, got {raw!r}")
    return text


def _fraction(raw: str) -> float:
    value = _NON_NEGATIVE(raw)
    if value >= 1:
        raise ValueError(f"expected a fraction from 0 up to (not including) 1, got {value:g}")
    return value


def _rate(raw: str) -> float:
    value = _NON_NEGATIVE(raw)
    if value > 1:
        raise ValueError(f"expected a share from 0 to 1, got {value:g}")
    return value


def _auth_mode(raw: str) -> bool:
    text = raw.strip().lower()
    if text not in ("on", "off"):
        raise ValueError(f"expected on or off, got {raw!r}")
    return text == "on"


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _jwks_url(raw: str) -> str:
    url = _url(raw)
    # Keys fetched in the clear could be swapped on the way: HTTPS, except on this machine.
    if urlsplit(url).scheme != "https" and urlsplit(url).hostname not in _LOOPBACK_HOSTS:
        raise ValueError(f"expected an https:// URL (http only on loopback), got {raw!r}")
    return url


def _file(raw: str) -> str:
    text = raw.strip()
    if not os.path.isfile(text):
        raise ValueError(f"no such file: {text!r}")
    return text


def _variants(raw: str) -> str:
    # The emulators own the meaning of each mode; the gateway only checks the name.
    from sandbox.variants import Variants, VariantsError

    try:
        return Variants.parse(raw).mode
    except VariantsError as exc:
        raise ValueError(str(exc)) from None


_PORT = _int(0, 65535)
_POSITIVE_INT = _int(1)
_POSITIVE = _float(0.0)
_NON_NEGATIVE = _float(0.0, inclusive=True)

# variable name -> (dotted path into GatewaySettings, parser)
VARIABLES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "GATEWAY_HOST": ("host", _host),
    "GATEWAY_PORT": ("port", _PORT),
    "GATEWAY_WORKERS": ("workers", _POSITIVE_INT),
    "ENGAGE_BASE_URL": ("engage.base_url", _url),
    "ENGAGE_API_KEY": ("engage.api_key", _secret),
    "ENGAGE_RATE_LIMIT": ("engage.rate_limit_per_s", _POSITIVE),
    "ENGAGE_TIMEOUT_S": ("engage.timeout_s", _POSITIVE),
    "EXPERTSENDER_BASE_URL": ("expertsender.base_url", _url),
    "EXPERTSENDER_API_KEY": ("expertsender.api_key", _secret),
    "EXPERTSENDER_RATE_LIMIT": ("expertsender.rate_limit_per_s", _POSITIVE),
    "EXPERTSENDER_TIMEOUT_S": ("expertsender.timeout_s", _POSITIVE),
    "SANDBOX_ENGAGE_PORT": ("sandbox.engage_port", _PORT),
    "SANDBOX_EXPERTSENDER_PORT": ("sandbox.expertsender_port", _PORT),
    "SANDBOX_ENGAGE_URL": ("sandbox.engage_url", _url),
    "SANDBOX_EXPERTSENDER_URL": ("sandbox.expertsender_url", _url),
    "SANDBOX_ENGAGE_JOB_DELAY_MS": ("sandbox.engage_job_delay_ms", _int(0, 600_000)),
    "SANDBOX_VARIANTS": ("sandbox.variants", _variants),
    "SANDBOX_FAULT_LATENCY_MS": ("sandbox.faults.latency_ms", _int(0, MAX_LATENCY_MS)),
    "SANDBOX_FAULT_ERROR_RATE": ("sandbox.faults.error_rate", _rate),
    "SANDBOX_FAULT_RATE_LIMIT_RATE": ("sandbox.faults.rate_limit_rate", _rate),
    "SANDBOX_FAULT_DROP_RATE": ("sandbox.faults.drop_rate", _rate),
    "SANDBOX_FAULT_DROP_AFTER_COMMIT_RATE": ("sandbox.faults.drop_after_commit_rate", _rate),
    "SANDBOX_FAULT_SEED": ("sandbox.faults.seed", _int(0)),
    "GATEWAY_JOB_POLL_SCHEDULE": ("jobs.poll_delays", _delays),
    "GATEWAY_JOB_POLL_JITTER": ("jobs.poll_jitter", _fraction),
    "GATEWAY_JOB_TIMEOUT_S": ("jobs.timeout_s", _POSITIVE),
    "GATEWAY_JOB_LEASE_TTL_S": ("jobs.lease_ttl_s", _POSITIVE),
    "GATEWAY_MAX_DEPTH": ("limits.max_depth", _POSITIVE_INT),
    "GATEWAY_MAX_TOKENS": ("limits.max_tokens", _POSITIVE_INT),
    "GATEWAY_MAX_ALIASES": ("limits.max_aliases", _int(0)),
    "GATEWAY_MAX_BODY_BYTES": ("limits.max_body_bytes", _POSITIVE_INT),
    "GATEWAY_MAX_COMPLEXITY": ("limits.max_complexity", _POSITIVE_INT),
    "GATEWAY_MAX_COST": ("limits.max_cost", _POSITIVE_INT),
    "GATEWAY_MAX_VENDOR_CALLS": ("limits.max_vendor_calls", _POSITIVE_INT),
    "GATEWAY_VALIDATION_BUDGET_MS": ("limits.validation_budget_ms", _POSITIVE),
    "GATEWAY_MAX_STRING_LENGTH": ("limits.max_string_length", _int(128)),
    "GATEWAY_CLIENT_COST_RATE": ("clients.cost_rate", _POSITIVE),
    "GATEWAY_CLIENT_COST_BURST": ("clients.cost_burst", _POSITIVE_INT),
    "GATEWAY_CLIENT_VENDOR_CONCURRENCY": ("clients.vendor_concurrency", _POSITIVE_INT),
    "GATEWAY_WS_INIT_TIMEOUT_S": ("connections.ws_init_timeout_s", _POSITIVE),
    "GATEWAY_HEADER_TIMEOUT_S": ("connections.header_timeout_s", _POSITIVE),
    "GATEWAY_BODY_TIMEOUT_S": ("connections.body_timeout_s", _POSITIVE),
    "GATEWAY_MAX_CONNECTIONS": ("connections.max_connections", _POSITIVE_INT),
    "GATEWAY_CACHE_TTL_S": ("cache_ttl_s", _NON_NEGATIVE),
    "GATEWAY_CACHE_STALE_S": ("cache_stale_s", _NON_NEGATIVE),
    "GATEWAY_VENDOR_QUEUE_S": ("vendor_queue_s", _POSITIVE),
    "GATEWAY_LOG_MAX_ENTRIES": ("log_max_entries", _POSITIVE_INT),
    "GATEWAY_LOG_MAX_BYTES": ("log_max_bytes", _int(100_000)),
    "GATEWAY_WS_KEEPALIVE_S": ("ws_keepalive_s", _POSITIVE),
    "GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION": (
        "max_subscriptions_per_connection",
        _POSITIVE_INT,
    ),
    "GATEWAY_GRAPHIQL": ("graphiql", _bool),
    "GATEWAY_INTROSPECTION": ("introspection", _bool),
    "GATEWAY_LOG_LEVEL": ("log_level", _log_level),
    "GATEWAY_LOG_FORMAT": ("log_format", _log_format),
    "GATEWAY_REDIS_URL": ("redis_url", _redis_url),
    "GATEWAY_REDIS_KEY_PREFIX": ("redis_key_prefix", _key_prefix),
    "GATEWAY_CORS_ORIGINS": ("cors_origins", _origins),
    "GATEWAY_BATCH_MAX": ("batch_max", _int(0, 100)),
    "GATEWAY_PERSISTED_QUERIES": ("persisted_queries", _bool),
    "GATEWAY_AUTH": ("auth.required", _auth_mode),
    "GATEWAY_AUTH_JWKS_URL": ("auth.jwks_url", _jwks_url),
    "GATEWAY_AUTH_JWKS_FILE": ("auth.jwks_file", _file),
    "GATEWAY_AUTH_ISSUER": ("auth.issuer", _secret),
    "GATEWAY_AUTH_AUDIENCE": ("auth.audience", _secret),
    "GATEWAY_AUTH_LEEWAY_S": ("auth.leeway_s", _NON_NEGATIVE),
    "GATEWAY_AUTH_JWKS_REFRESH_MIN_S": ("auth.jwks_refresh_min_s", _NON_NEGATIVE),
    "GATEWAY_API_KEYS_FILE": ("auth.api_keys_file", _file),
    "GATEWAY_CLIENT_RATE_LIMIT": ("client_limits.requests_per_s", _POSITIVE_INT),
    "GATEWAY_CLIENT_COST_PER_MINUTE": ("client_limits.cost_per_minute", _POSITIVE_INT),
    "GATEWAY_TRUSTED_DOCUMENTS": ("trusted_documents.manifest", _file),
    "GATEWAY_TRUSTED_DOCUMENTS_ONLY": ("trusted_documents.only", _bool),
    "GATEWAY_IDEMPOTENCY_LEASE_S": ("idempotency_lease_s", _POSITIVE),
    "GATEWAY_JOB_SIGNING_KEY": ("job_signing_key", _signing_key),
}

_SECRETS = frozenset({"ENGAGE_API_KEY", "EXPERTSENDER_API_KEY", "GATEWAY_JOB_SIGNING_KEY"})


def load_settings(environ: Mapping[str, str] | None = None) -> GatewaySettings:
    """Settings from ``environ`` (default ``os.environ``); raises ``SettingsError``.

    An empty variable counts as unset, so ``FOO= order-gateway serve`` falls back to the default.
    """
    env = os.environ if environ is None else environ
    settings = GatewaySettings()
    for variable, (path, parse) in VARIABLES.items():
        raw = env.get(variable)
        if raw is None or raw.strip() == "":
            continue
        try:
            value = parse(raw)
        except ValueError as exc:
            problem = "has an invalid value" if variable in _SECRETS else str(exc)
            raise SettingsError(variable, problem) from None
        try:
            settings = _replaced(settings, path.split("."), value)
        except FaultSettingsError as exc:  # the fault rates together exceed one
            raise SettingsError(variable, str(exc)) from None
    check_settings(settings)
    return settings


def _replaced(settings: Any, names: list[str], value: object) -> Any:
    """``settings`` with the field at the dotted path ``names`` set to ``value``."""
    head, *rest = names
    inner = _replaced(getattr(settings, head), rest, value) if rest else value
    return replace(settings, **{head: inner})


def check_settings(settings: GatewaySettings) -> None:
    """Rules that involve more than one variable."""
    if settings.clients.cost_burst < settings.limits.max_cost:
        raise SettingsError(
            "GATEWAY_CLIENT_COST_BURST",
            f"must be at least GATEWAY_MAX_COST ({settings.limits.max_cost}), or an operation "
            "the gateway allows could never be paid for",
        )
    for prefix, vendor in (("ENGAGE", settings.engage), ("EXPERTSENDER", settings.expertsender)):
        if (vendor.base_url is None) != (vendor.api_key is None):
            missing = f"{prefix}_API_KEY" if vendor.api_key is None else f"{prefix}_BASE_URL"
            present = f"{prefix}_BASE_URL" if vendor.api_key is None else f"{prefix}_API_KEY"
            raise SettingsError(
                missing,
                f"must be set together with {present} (set both to use the real API, "
                "neither to use the sandbox)",
            )
    check_auth_settings(settings)


def check_auth_settings(settings: GatewaySettings) -> None:
    auth = settings.auth
    if auth.jwks_url is not None and auth.jwks_file is not None:
        raise SettingsError("GATEWAY_AUTH_JWKS_FILE", "set either it or GATEWAY_AUTH_JWKS_URL")
    if auth.jwt_configured:
        for variable, value in (
            ("GATEWAY_AUTH_ISSUER", auth.issuer),
            ("GATEWAY_AUTH_AUDIENCE", auth.audience),
        ):
            if value is None:
                raise SettingsError(variable, "must be set when tokens are checked against a JWKS")
    if auth.required is False and auth.configured:
        raise SettingsError("GATEWAY_AUTH", "is off, but authentication is configured")
    if auth.required and not auth.configured:
        raise SettingsError(
            "GATEWAY_AUTH",
            "is on: set GATEWAY_AUTH_JWKS_URL, GATEWAY_AUTH_JWKS_FILE or GATEWAY_API_KEYS_FILE",
        )
    if settings.trusted_documents.only and settings.trusted_documents.manifest is None:
        raise SettingsError("GATEWAY_TRUSTED_DOCUMENTS_ONLY", "needs GATEWAY_TRUSTED_DOCUMENTS")
