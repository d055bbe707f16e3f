"""How often a job is polled: a short burst of quick looks, then a steady pace.

Most vendor jobs finish within a second, so the first polls come fast; a job that is still
running after a few seconds is polled at the last (slowest) delay until it ends or times out.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.defaults import DEFAULT_POLL_DELAYS


@dataclass(frozen=True, slots=True)
class PollSchedule:
    """Delays (seconds) before each poll; after the last one the last delay repeats.

    ``jitter`` is a fraction (0 ≤ jitter < 1) each delay may vary by, so many jobs accepted
    together do not poll the vendor in lockstep.
    """

    delays: tuple[float, ...] = DEFAULT_POLL_DELAYS
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if not self.delays:
            raise ValueError("PollSchedule needs at least one delay")
        for delay in self.delays:
            if not math.isfinite(delay) or delay <= 0:
                raise ValueError(f"PollSchedule delays must be positive seconds, got {delay!r}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"PollSchedule jitter must be in [0, 1), got {self.jitter!r}")

    @classmethod
    def of(cls, delays: Sequence[float], *, jitter: float = 0.0) -> PollSchedule:
        return cls(tuple(float(d) for d in delays), jitter)

    @classmethod
    def parse(cls, text: str, *, jitter: float = 0.0) -> PollSchedule:
        """Read a comma-separated list of seconds, as settings carry it: ``"0.1,0.5,2"``."""
        parts = [part.strip() for part in text.split(",") if part.strip()]
        try:
            return cls(tuple(float(part) for part in parts), jitter)
        except ValueError:
            raise ValueError(
                f"expected comma-separated positive seconds like '0.1,0.5,2', got {text!r}"
            ) from None

    @property
    def steady_delay(self) -> float:
        return self.delays[-1]

    def delay(self, attempt: int, *, rng: random.Random | None = None) -> float:
        """The wait before poll number ``attempt`` (0-based)."""
        if attempt < 0:
            raise ValueError("attempt must be ≥ 0")
        base = self.delays[min(attempt, len(self.delays) - 1)]
        if not self.jitter:
            return base
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return base * (1 + spread)
