"""Per-key request ceiling over a sliding one-second window (§8 of the vendor note)."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from sandbox.engage import inferred


class SlidingWindowLimiter:
    def __init__(self, per_second: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}

    def acquire(self, key: str) -> int | None:
        """None when the request may pass; otherwise whole seconds to wait (at least 1).

        Rejected requests are not recorded, so a client that backs off is not punished twice.
        """
        now = self._clock()
        window = self._seen.setdefault(key, deque())
        while window and window[0] <= now - inferred.RATE_LIMIT_WINDOW_S:
            window.popleft()
        if len(window) < self.per_second:
            window.append(now)
            return None
        wait = window[0] + inferred.RATE_LIMIT_WINDOW_S - now
        return max(1, math.ceil(wait))
