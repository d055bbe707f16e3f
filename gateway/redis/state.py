"""``SharedState``: one Redis connection set per process, and the shared parts built on it.

``await SharedState.connect(url, prefix)`` checks that Redis answers (``RedisUnreachable``
otherwise, a one-line reason) and starts the process's pub/sub hub; the builders then make the
Redis implementations of the job store, the job fan-out, the idempotency store, the integration
log and the read cache, all under the same key prefix.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from redis.asyncio import Redis

from gateway.defaults import DEFAULT_IDEMPOTENCY_LEASE_S
from gateway.errors import RedisUnreachable, StateStoreUnavailable
from gateway.idempotency import IdempotencyKeys, MutationOutcome
from gateway.jobs import TrackedJob
from gateway.redis.cache import SharedReadCache
from gateway.redis.codec import OUTCOME_CODEC, TRACKED_JOB_CODEC
from gateway.redis.connection import (
    DEFAULT_REDIS_TIMEOUT_S,
    FAILURES,
    UNAVAILABLE,
    connect,
    describe,
)
from gateway.redis.documents import RedisDocumentStore
from gateway.redis.fanout import RedisFanout
from gateway.redis.hub import PubSubHub
from gateway.redis.idempotency import RedisIdempotencyStorage
from gateway.redis.jobs import RedisJobStore
from gateway.redis.keys import Keys
from gateway.redis.log import RedisIntegrationLog
from gateway.settings import redact_url


@dataclass(eq=False)
class SharedState:
    client: Redis
    keys: Keys
    hub: PubSubHub
    url: str  # with the password masked: safe to show

    @classmethod
    async def connect(
        cls, url: str, prefix: str, *, timeout_s: float = DEFAULT_REDIS_TIMEOUT_S
    ) -> SharedState:
        client = await connect(url, timeout_s=timeout_s)
        keys = Keys(prefix)
        hub = PubSubHub(client, keys.channels)
        try:
            await hub.start()
        except FAILURES as exc:  # e.g. an ACL that forbids PSUBSCRIBE
            await client.aclose()
            raise RedisUnreachable(
                f"cannot subscribe at Redis {redact_url(url)} (GATEWAY_REDIS_URL): {describe(exc)}"
            ) from None
        return cls(client, keys, hub, redact_url(url))

    @property
    def available(self) -> bool:
        """Whether this process hears the other processes right now."""
        return self.hub.available

    def check_available(self) -> None:
        """Raise ``StateStoreUnavailable`` now, before doing work that cannot be recorded."""
        if not self.hub.available:
            raise StateStoreUnavailable(
                "The gateway's shared state store is unavailable; nothing was sent to the "
                "vendor. Please retry in a moment."
            )

    async def ping(self) -> bool:
        try:
            return bool(await self.client.ping())
        except UNAVAILABLE:
            return False

    def document_store(self) -> RedisDocumentStore:
        return RedisDocumentStore(self.client, self.keys)

    def job_store(self) -> RedisJobStore:
        return RedisJobStore(self.client, self.keys)

    def job_fanout(self) -> RedisFanout[TrackedJob]:
        return RedisFanout(self.client, self.hub, self.keys, TRACKED_JOB_CODEC)

    def idempotency_store(
        self, *, ttl_s: float, lease_s: float = DEFAULT_IDEMPOTENCY_LEASE_S
    ) -> IdempotencyKeys[MutationOutcome]:
        return IdempotencyKeys(
            RedisIdempotencyStorage(
                self.client, self.keys, OUTCOME_CODEC, ttl_s=ttl_s, lease_s=lease_s
            )
        )

    def integration_log(self, *, max_entries: int) -> RedisIntegrationLog:
        return RedisIntegrationLog(self.client, self.keys, max_entries=max_entries)

    def read_cache(
        self, *, maxsize: int, ttl_s: float, enabled: bool, stale_s: float = 0.0
    ) -> SharedReadCache:
        return SharedReadCache(
            self.client,
            self.hub,
            self.keys,
            maxsize=maxsize,
            ttl_s=ttl_s,
            enabled=enabled,
            stale_s=stale_s,
        )

    async def aclose(self) -> None:
        await self.hub.aclose()
        with contextlib.suppress(*UNAVAILABLE):
            await self.client.aclose()
