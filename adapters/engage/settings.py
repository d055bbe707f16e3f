"""How an ``EngageBackend`` is configured."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata

from adapters.engage import inferred
from adapters.model import Vendor
from adapters.transport import TransportSettings, VendorClientSettings


def default_user_agent() -> str:
    """§1: Engage wants ``System/Version`` on every call."""
    try:
        version = metadata.version("order-gateway")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"order-gateway/{version}"


@dataclass(frozen=True)
class EngageSettings(VendorClientSettings):
    user_agent: str = field(default_factory=default_user_agent)
    # Engage has no batch read: this many single GETs at once.
    read_concurrency: int = 10
    # How long to wait for the latest change of an order to produce a versionTag (§2.7) and
    # the first pause between looks; pauses double up to ``poll_max_s``.
    version_tag_wait_s: float = 10.0
    # A write whose answer was lost is looked for by reading the order, with these pauses (the
    # last repeats), for up to ``landing_wait_s``: Engage lands writes when their job runs, so
    # the gateway passes its job-poll schedule and job timeout. Not seen by then: the caller is
    # told the outcome is unknown; the write is never sent again blind.
    landing_delays: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
    landing_wait_s: float = 120.0
    poll_initial_s: float = 0.1
    poll_max_s: float = 1.0

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("invalid Engage settings: api_key is empty")
        if self.read_concurrency < 1:
            raise ValueError("invalid Engage settings: read_concurrency must be at least 1")
        if min(self.version_tag_wait_s, self.landing_wait_s, self.poll_initial_s) < 0:
            raise ValueError("invalid Engage settings: waits must not be negative")
        if not self.landing_delays or min(self.landing_delays) <= 0:
            raise ValueError("invalid Engage settings: landing_delays must be positive seconds")

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
            **self.transport_knobs(),
        )
