"""``IdempotencyStore`` in Redis: a key retried on any gateway process writes once.

One record per key, kept for the outcome TTL: ``running`` (an attempt holds the key until its
lease ends; the attempt renews the lease while it runs), ``interrupted`` (the attempt raised) or
``done`` (with the outcome). Leases are timed by Redis's own clock (``TIME`` inside the scripts),
so processes with skewed clocks agree. A duplicate that finds a live lease waits, re-reading on a
short backoff, until the outcome is there (it returns it) or the key is free: the first attempt
raised, or its process died and its lease ran out (``lease_s``, a few seconds). The attempt that
then takes the key runs ``resume``: the earlier attempt may have reached the vendor.

Same rules as the memory store: the same key with another input is refused at once, and only
completed outcomes are replayed. Records survive a Redis restart only as far as Redis persists
them (the gateway checks ``appendonly``/RDB at start-up, see ``gateway.redis.persistence``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any, Generic, TypeVar

import orjson
from redis.asyncio import Redis

from gateway.defaults import DEFAULT_IDEMPOTENCY_LEASE_S
from gateway.errors import IdempotencyKeyReused, InvalidRecord
from gateway.idempotency import Operation
from gateway.redis.codec import Codec
from gateway.redis.connection import UNAVAILABLE, retry_delay, unavailable_as_typed
from gateway.redis.keys import Keys

T = TypeVar("T")

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 24 * 3600
WAIT_DELAYS_S = (0.02, 0.05, 0.1, 0.2)

_NOW_MS = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
"""
# ARGV: owner, fingerprint, lease ms, ttl ms. Answers {verdict, detail}.
_ACQUIRE = (
    _NOW_MS
    + """
local current = redis.call('GET', KEYS[1])
local resumed = '0'
if current then
  local ok, record = pcall(cjson.decode, current)
  if not ok or type(record) ~= 'table' then return {'invalid', ''} end
  if record['state'] == 'interrupted' then
    if record['fingerprint'] == ARGV[2] then resumed = '1' end
  else
    if record['fingerprint'] ~= ARGV[2] then return {'reused', ''} end
    if record['state'] == 'done' then return {'done', current} end
    if tonumber(record['lease_until'] or 0) > now_ms then return {'busy', ''} end
    resumed = '1'
  end
end
local lock = cjson.encode({state = 'running', fingerprint = ARGV[2], owner = ARGV[1],
                           lease_until = now_ms + tonumber(ARGV[3])})
redis.call('SET', KEYS[1], lock, 'PX', ARGV[4])
return {'acquired', resumed}
"""
)
# ARGV: owner, lease ms.
_RENEW = (
    _NOW_MS
    + """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local record = cjson.decode(current)
if record['owner'] ~= ARGV[1] or record['state'] ~= 'running' then return 0 end
record['lease_until'] = now_ms + tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return 1
"""
)
# ARGV: owner, the new record, ttl ms (0 keeps the TTL). Only while this attempt holds the key.
_FINISH = """
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current)['owner'] ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
end
return 1
"""


class RedisIdempotencyStore(Generic[T]):
    def __init__(
        self,
        client: Redis,
        keys: Keys,
        codec: Codec[T],
        *,
        ttl_s: float = DEFAULT_TTL_S,
        lease_s: float = DEFAULT_IDEMPOTENCY_LEASE_S,
    ) -> None:
        if ttl_s <= 0 or lease_s <= 0:
            raise ValueError("ttl_s and lease_s must be positive")
        self._client = client
        self._keys = keys
        self._codec = codec
        self._ttl_ms = max(int(ttl_s * 1000), 1)
        self._lease_ms = max(int(lease_s * 1000), 1)
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._finish = client.register_script(_FINISH)

    async def run(
        self,
        key: str,
        fingerprint: str,
        operation: Operation[T],
        *,
        resume: Operation[T] | None = None,
    ) -> T:
        redis_key = self._keys.idempotency(key)
        owner = uuid.uuid4().hex
        waits = 0
        while True:
            with unavailable_as_typed("checking the idempotency key"):
                verdict, detail = _pair(
                    await self._acquire(
                        keys=[redis_key],
                        args=[owner, fingerprint, self._lease_ms, self._ttl_ms],
                    )
                )
            if verdict == "acquired":
                resumed = detail == "1"
                break
            if verdict == "reused":
                raise IdempotencyKeyReused(key)
            if verdict == "done":
                stored = self._parse(detail)
                return self._codec.decode(str(stored["outcome"]).encode())
            if verdict == "invalid":
                raise InvalidRecord("an idempotency record is not a JSON object")
            await asyncio.sleep(retry_delay(waits, WAIT_DELAYS_S))
            waits += 1

        renewer = asyncio.get_running_loop().create_task(self._keep_lease(redis_key, owner))
        try:
            outcome = await (resume or operation)() if resumed else await operation()
        except BaseException:
            await _stop(renewer)
            interrupted = orjson.dumps(
                {"state": "interrupted", "fingerprint": fingerprint, "owner": owner}
            )
            # Best effort: if Redis is gone the lease lapses by itself, with the same effect.
            with contextlib.suppress(*UNAVAILABLE):
                await self._finish(keys=[redis_key], args=[owner, interrupted, 0])
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
            await self._finish(keys=[redis_key], args=[owner, done, self._ttl_ms])
        except UNAVAILABLE:
            # The write happened: report it. A later retry with this key resumes (it finds the
            # lease lapsed) and recognises the landed write instead of writing again.
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

    async def _keep_lease(self, redis_key: str, owner: str) -> None:
        interval = self._lease_ms / 3000
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(*UNAVAILABLE):
                await self._renew(keys=[redis_key], args=[owner, self._lease_ms])


def _pair(answer: Any) -> tuple[str, str]:
    verdict, detail = answer
    return _text(verdict), _text(detail)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
