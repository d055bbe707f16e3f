"""Start-up settings of the Engage emulator."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from sandbox.faults import FaultSettings
from sandbox.variants import Variants

DEFAULT_API_KEY = "sandbox-engage-key"
# Each state of a job lasts this long, so a job is final after about twice it.
DEFAULT_JOB_DELAY_MS = 300


@dataclass(frozen=True)
class EngageSandboxSettings:
    """`job_delay_ms` is the time each job spends in each state before moving on (Pending, then
    Processing, then final), so a job is final after about twice this delay.
    `rate_limit_per_second` applies per API key."""

    api_keys: Set[str] = frozenset({DEFAULT_API_KEY})
    job_delay_ms: int = DEFAULT_JOB_DELAY_MS
    rate_limit_per_second: int = 200
    faults: FaultSettings = field(default_factory=FaultSettings)
    seed_demo_data: bool = True
    # How the answers the vendor's docs leave open are given (sandbox.variants).
    variants: Variants = field(default_factory=Variants.invented)

    def __post_init__(self) -> None:
        if self.job_delay_ms < 0:
            raise ValueError("job_delay_ms must be >= 0")
        if self.rate_limit_per_second < 1:
            raise ValueError("rate_limit_per_second must be >= 1")
        if not self.api_keys:
            raise ValueError("api_keys must name at least one key")
