"""The rate limiter of each vendor API key: one budget for all processes when they share a
Redis, otherwise this process's share of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.model import Vendor
from adapters.transport import RateLimiter, local_limiter

if TYPE_CHECKING:
    from gateway.redis import SharedState


def vendor_limiter(
    vendor: Vendor,
    api_key: str,
    rate_per_second: float,
    *,
    processes: int,
    shared: SharedState | None,
) -> RateLimiter:
    """``processes``: how many gateway processes serve with this key (``GATEWAY_WORKERS``).

    Without Redis nothing tells the processes apart, so each keeps ``1/processes`` of the rate;
    with Redis they book one schedule and each may use all of it while the others are idle.
    """
    if shared is None:
        return local_limiter(rate_per_second / max(1, processes))
    from gateway.redis import RedisRateBudget, budget_key

    return RedisRateBudget(
        shared.client,
        vendor,
        budget_key(shared.keys.prefix, vendor, api_key),
        rate_per_second,
        processes=processes,
    )
