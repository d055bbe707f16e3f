"""How an ``EngageBackend`` is configured."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata

from adapters.engage import inferred
from adapters.model import Vendor
from adapters.transport import TransportSettings


def default_user_agent() -> str:
    """§1: Engage wants ``System/Version`` on every call."""
    try:
        version = metadata.version("order-gateway")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"order-gateway/{version}"


@dataclass(frozen=True)
class EngageSettings:
    base_url: str
    api_key: str = field(repr=False)
    user_agent: str = field(default_factory=default_user_agent)
    # Transport knobs (see ``adapters.transport.TransportSettings``).
    timeout_s: float = 10.0
    max_attempts: int = 4
    backoff_base_s: float = 0.2
    backoff_max_s: float = 5.0
    rate_per_second: float = 40.0
    breaker_failure_threshold: int = 5
    breaker_reset_s: float = 10.0
    max_connections: int = 50
    # Engage has no batch read: this many single GETs at once.
    read_concurrency: int = 10
    # How long to wait for the latest change of an order to produce a versionTag (§2.7) and
    # the first pause between looks; pauses double up to ``poll_max_s``.
    version_tag_wait_s: float = 10.0
    # How long a write whose answer was lost is looked for (by reading the order) before it is
    # sent again; Engage processes writes asynchronously, so it can take a while to show.
    landing_wait_s: float = 10.0
    poll_initial_s: float = 0.1
    poll_max_s: float = 1.0

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("invalid Engage settings: api_key is empty")
        if self.read_concurrency < 1:
            raise ValueError("invalid Engage settings: read_concurrency must be at least 1")
        if min(self.version_tag_wait_s, self.landing_wait_s, self.poll_initial_s) < 0:
            raise ValueError("invalid Engage settings: waits must not be negative")

    def transport_settings(self) -> TransportSettings:
        return TransportSettings(
            base_url=self.base_url.rstrip("/"),
            headers={
                inferred.API_KEY_HEADER: self.api_key,
                "User-Agent": self.user_agent,
                "Content-Type": inferred.CONTENT_TYPE,
                "Accept": "application/json",
            },
            vendor=Vendor.ENGAGE,
            timeout_s=self.timeout_s,
            max_attempts=self.max_attempts,
            backoff_base_s=self.backoff_base_s,
            backoff_max_s=self.backoff_max_s,
            rate_per_second=self.rate_per_second,
            breaker_failure_threshold=self.breaker_failure_threshold,
            breaker_reset_s=self.breaker_reset_s,
            max_connections=self.max_connections,
        )
