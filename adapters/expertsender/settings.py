"""How an ``ExpertSenderBackend`` reaches one ECDP business unit."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.model import Vendor
from adapters.transport import TransportSettings

DEFAULT_BASE_URL = "https://api.ecdp.app"


@dataclass(frozen=True)
class ExpertSenderSettings:
    """``base_url`` is the real API's (``DEFAULT_BASE_URL``) or an emulator's."""

    base_url: str
    api_key: str = field(repr=False)
    timeout_s: float = 10.0
    max_attempts: int = 4
    backoff_base_s: float = 0.2
    backoff_max_s: float = 5.0
    # ECDP documents no rate limit (vendor note §5); stay polite all the same.
    rate_per_second: float = 40.0
    breaker_failure_threshold: int = 5
    breaker_reset_s: float = 10.0
    max_connections: int = 50
    retry_after_max_s: float = 30.0
    # ECDP has no batch read: ``get_orders`` fans out, at most this many at a time.
    max_concurrent_reads: int = 8
    # Sends of one write whose earlier answer was lost and whose read-back showed it missing.
    max_write_sends: int = 2
    # Finished jobs remembered for ``get_job`` (oldest forgotten first).
    job_history: int = 1000

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("invalid ExpertSender settings: api_key is empty")
        for name in ("max_concurrent_reads", "max_write_sends", "job_history"):
            if getattr(self, name) <= 0:
                raise ValueError(f"invalid ExpertSender settings: {name} must be positive")

    def transport_settings(self) -> TransportSettings:
        return TransportSettings(
            base_url=self.base_url,
            headers={
                "x-api-key": self.api_key,
                # Listed as a required header for every call (vendor note §2, DOC-HOWTO).
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            vendor=Vendor.EXPERTSENDER,
            timeout_s=self.timeout_s,
            max_attempts=self.max_attempts,
            backoff_base_s=self.backoff_base_s,
            backoff_max_s=self.backoff_max_s,
            rate_per_second=self.rate_per_second,
            breaker_failure_threshold=self.breaker_failure_threshold,
            breaker_reset_s=self.breaker_reset_s,
            max_connections=self.max_connections,
            retry_after_max_s=self.retry_after_max_s,
        )
