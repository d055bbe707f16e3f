"""The client-side rate limiter a transport paces its attempts with.

``RateLimiter`` is what the transport needs: ``acquire()`` returns once one more request may
go out. ``local_limiter`` keeps the budget in this process; a limiter shared by several
processes (the gateway's Redis budget) implements the same protocol.
"""

from __future__ import annotations

from typing import Protocol

from aiolimiter import AsyncLimiter


class RateLimiter(Protocol):
    async def acquire(self) -> None:
        """Wait until one more request fits the budget, and spend it."""
        ...


def local_limiter(rate_per_second: float) -> AsyncLimiter:
    """A limiter for one process.

    A shallow bucket (a tenth of a second's worth): a vendor counting requests per second
    never sees much more than the rate, however bursty the callers are.
    """
    capacity = max(1.0, rate_per_second / 10)
    return AsyncLimiter(capacity, capacity / rate_per_second)
