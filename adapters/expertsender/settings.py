"""How an ``ExpertSenderBackend`` reaches one ECDP business unit."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.model import Vendor
from adapters.transport import TransportSettings, VendorClientSettings

DEFAULT_BASE_URL = "https://api.ecdp.app"


@dataclass(frozen=True)
class ExpertSenderSettings(VendorClientSettings):
    """``base_url`` is the real API's (``DEFAULT_BASE_URL``) or an emulator's. ECDP documents no
    rate limit (vendor note §5): the shared default rate stays polite all the same."""

    # ECDP has no batch read: ``get_orders`` fans out, at most this many at a time.
    max_concurrent_reads: int = 8
    # Sends of one write whose earlier answer was lost and whose read-back showed it missing.
    max_write_sends: int = 2
    # Pauses before reading the order again when the read that checks a lost write fails
    # (each read has the transport's own retries too); after the last one: unknown outcome.
    confirm_read_delays: tuple[float, ...] = (0.5, 1.0, 2.0)
    # Signs the ids of the adapter's jobs (they carry the whole job); None derives a key from
    # ``api_key``, so every process of one deployment can read every job.
    job_signing_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("invalid ExpertSender settings: api_key is empty")
        if self.job_signing_key is not None and len(self.job_signing_key) < 16:
            raise ValueError("invalid ExpertSender settings: job_signing_key needs 16 characters")
        if any(delay < 0 for delay in self.confirm_read_delays):
            raise ValueError("invalid ExpertSender settings: confirm_read_delays must be >= 0")
        for name in ("max_concurrent_reads", "max_write_sends"):
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
            **self.transport_knobs(),
        )
