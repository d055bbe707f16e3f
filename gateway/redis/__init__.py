"""Shared state of several gateway processes in Redis (``GATEWAY_REDIS_URL``).

One module per concept: the job registry and poller leases (``jobs``), the job-progress fan-out
(``fanout``, over the process's one pub/sub connection in ``hub``), idempotency keys
(``idempotency``), the integration log (``log``, a capped stream) and cross-process read-cache
invalidation (``cache``). ``SharedState`` connects and builds them; without a Redis URL the
gateway keeps all of this in memory, in one process.
"""

from gateway.errors import RedisUnreachable
from gateway.redis.connection import UNAVAILABLE, probe
from gateway.redis.persistence import check_persistence
from gateway.redis.rate_budget import RedisRateBudget, budget_key
from gateway.redis.state import SharedState

__all__ = [
    "UNAVAILABLE",
    "RedisRateBudget",
    "RedisUnreachable",
    "SharedState",
    "budget_key",
    "check_persistence",
    "probe",
]
