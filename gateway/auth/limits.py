"""Per-client budgets: requests per second and vendor calls per minute, with ``limits``.

Moving windows (exact counts, no burst at a window's edge), kept in memory or, with
``GATEWAY_REDIS_URL``, in Redis so that every gateway process draws on one budget per client.
If Redis cannot be reached the request is let through and the failure logged: the limits
protect fairness, and a Redis outage must not turn into an outage of every client.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from gateway.auth.principal import Principal
from gateway.auth.settings import ClientLimitSettings

logger = logging.getLogger("gateway.auth")


def limits_storage_uri(redis_url: str) -> str:
    """``limits``' spelling of a redis-py URL."""
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    return "async+" + redis_url


class ClientLimits:
    def __init__(
        self,
        settings: ClientLimitSettings,
        *,
        redis_url: str | None = None,
        key_prefix: str = "order-gateway",
    ) -> None:
        self._requests = (
            RateLimitItemPerSecond(settings.requests_per_s) if settings.requests_per_s else None
        )
        self._cost = (
            RateLimitItemPerMinute(settings.cost_per_minute) if settings.cost_per_minute else None
        )
        self._pool: ConnectionPool | None = None
        self.storage: Storage
        if redis_url is None:
            self.storage = MemoryStorage()
        else:
            # The pool is ours so that closing the limits closes their connections: the
            # library's storage has no way to close its own.
            self._pool = ConnectionPool.from_url(redis_url)
            pool: dict[str, Any] = {"connection_pool": self._pool}
            self.storage = RedisStorage(
                limits_storage_uri(redis_url),
                implementation="redispy",
                key_prefix=f"{key_prefix}:client-limits",
                wrap_exceptions=True,
                **pool,
            )
        self._limiter = MovingWindowRateLimiter(self.storage)

    @property
    def limits_cost(self) -> bool:
        return self._cost is not None

    async def admit_request(self, client: Principal, key: str | None = None) -> int | None:
        """``None`` if the request may run, else the seconds to wait (``Retry-After``)."""
        if self._requests is None:
            return None
        return await self._hit(self._requests, key or client.name, 1)

    async def charge(self, client: Principal, cost: int, key: str | None = None) -> int | None:
        """Charge ``cost`` vendor calls; ``None`` if within the budget, else seconds to wait."""
        if self._cost is None or cost <= 0:
            return None
        return await self._hit(self._cost, key or client.name, cost)

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def _hit(self, item: RateLimitItem, key: str, cost: int) -> int | None:
        try:
            if await self._limiter.hit(item, key, cost=cost):
                return None
            stats = await self._limiter.get_window_stats(item, key)
        except StorageError as exc:
            logger.warning("per-client limits not applied, their store failed: %s", exc)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))
