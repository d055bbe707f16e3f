"""``IdempotencyStore`` in Redis: a key retried on any gateway process writes once.

The first attempt takes the key with ``SET NX PX`` (a short lock, renewed while the operation
runs, that lapses by itself if the process dies); its outcome then replaces the lock and lives
for the TTL. A duplicate that finds the lock waits, re-reading the key on a short backoff, until
the outcome is there (it returns it) or the key is free again because the first attempt failed
or its process died (it then runs the operation itself). Same rules as the memory store: the
same key with another input is refused at once, and only completed outcomes are remembered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import orjson
from redis.asyncio import Redis

from gateway.errors import IdempotencyKeyReused, InvalidRecord
from gateway.redis.codec import Codec
from gateway.redis.connection import UNAVAILABLE, retry_delay, unavailable_as_typed
from gateway.redis.keys import Keys

T = TypeVar("T")

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 24 * 3600
DEFAULT_LOCK_TTL_S = 30.0
WAIT_DELAYS_S = (0.02, 0.05, 0.1, 0.2)

# Replace the lock with the outcome, or drop it, only while this attempt still holds it.
_COMPLETE = """
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current)['owner'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""
_ABANDON = """
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current)['owner'] ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""
_RENEW = """
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current)['owner'] ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""


class RedisIdempotencyStore(Generic[T]):
    def __init__(
        self,
        client: Redis,
        keys: Keys,
        codec: Codec[T],
        *,
        ttl_s: float = DEFAULT_TTL_S,
        lock_ttl_s: float = DEFAULT_LOCK_TTL_S,
    ) -> None:
        if ttl_s <= 0 or lock_ttl_s <= 0:
            raise ValueError("ttl_s and lock_ttl_s must be positive")
        self._client = client
        self._keys = keys
        self._codec = codec
        self._ttl_ms = max(int(ttl_s * 1000), 1)
        self._lock_ms = max(int(lock_ttl_s * 1000), 1)
        self._complete = client.register_script(_COMPLETE)
        self._abandon = client.register_script(_ABANDON)
        self._renew = client.register_script(_RENEW)

    async def run(self, key: str, fingerprint: str, operation: Callable[[], Awaitable[T]]) -> T:
        redis_key = self._keys.idempotency(key)
        owner = uuid.uuid4().hex
        lock = orjson.dumps({"state": "running", "fingerprint": fingerprint, "owner": owner})
        waits = 0
        while True:
            with unavailable_as_typed("checking the idempotency key"):
                if await self._client.set(redis_key, lock, nx=True, px=self._lock_ms):
                    break
                raw = await self._client.get(redis_key)
            if raw is None:
                continue  # freed between the two calls: try to take it again
            stored = self._parse(raw)
            if stored.get("fingerprint") != fingerprint:
                raise IdempotencyKeyReused(key)
            if stored.get("state") == "done":
                return self._codec.decode(str(stored["outcome"]).encode())
            await asyncio.sleep(retry_delay(waits, WAIT_DELAYS_S))
            waits += 1

        renewer = asyncio.get_running_loop().create_task(self._keep_lock(redis_key, owner))
        try:
            outcome = await operation()
        except BaseException:
            await _stop(renewer)
            await self._release(redis_key, owner)
            raise
        await _stop(renewer)
        done = orjson.dumps(
            {
                "state": "done",
                "fingerprint": fingerprint,
                "owner": owner,
                "outcome": self._codec.encode(outcome).decode(),
            }
        )
        try:
            await self._complete(keys=[redis_key], args=[owner, done, self._ttl_ms])
        except UNAVAILABLE:
            # The write happened: report it. Only a later retry with this key can write again.
            logger.warning("idempotency key %r: the outcome could not be stored", key)
        return outcome

    def _parse(self, raw: bytes | str) -> dict[str, Any]:
        try:
            stored = orjson.loads(raw)
        except orjson.JSONDecodeError:
            stored = None
        if not isinstance(stored, dict):
            raise InvalidRecord("an idempotency record is not a JSON object")
        return stored

    async def _keep_lock(self, redis_key: str, owner: str) -> None:
        interval = self._lock_ms / 3000
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(*UNAVAILABLE):
                await self._renew(keys=[redis_key], args=[owner, self._lock_ms])

    async def _release(self, redis_key: str, owner: str) -> None:
        # Best effort: if Redis is gone the lock lapses by itself within its TTL.
        with contextlib.suppress(*UNAVAILABLE):
            await self._abandon(keys=[redis_key], args=[owner])


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
