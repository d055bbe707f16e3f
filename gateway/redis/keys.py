"""Every Redis key and channel name the gateway uses, under one prefix.

The prefix lets several gateway deployments (or test runs) share one Redis. Pub/sub channels
are not scoped by database number, so they carry the prefix too.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.model import Vendor


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str

    def job(self, vendor: Vendor, job_id: str) -> str:
        return f"{self.prefix}:job:{vendor.value}:{job_id}"

    def lease(self, vendor: Vendor, job_id: str) -> str:
        return f"{self.prefix}:lease:{vendor.value}:{job_id}"

    @property
    def unfinished_jobs(self) -> str:
        return f"{self.prefix}:jobs-unfinished"

    @property
    def job_revisions(self) -> str:
        return f"{self.prefix}:job-revision"

    def idempotency(self, key: str) -> str:
        return f"{self.prefix}:idempotency:{key}"

    @property
    def documents(self) -> str:
        return f"{self.prefix}:documents"

    @property
    def documents_used(self) -> str:
        return f"{self.prefix}:documents-used"

    @property
    def documents_bytes(self) -> str:
        return f"{self.prefix}:documents-bytes"

    @property
    def log(self) -> str:
        return f"{self.prefix}:log"

    @property
    def channels(self) -> str:
        """The common start of every channel: one pattern subscription hears them all."""
        return f"{self.prefix}:channel:"

    @property
    def fanout_channels(self) -> str:
        return f"{self.channels}topic:"

    def fanout_channel(self, topic: str) -> str:
        return f"{self.fanout_channels}{topic}"

    @property
    def cache_channel(self) -> str:
        return f"{self.channels}cache"
