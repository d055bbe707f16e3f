"""``IdempotencyStorage`` in Redis: a key retried on any gateway process writes once.

One JSON record per key, kept for the outcome TTL: ``running`` (an attempt holds the key until
its lease ends; the attempt renews the lease while it runs), ``interrupted`` (the attempt raised)
or ``done`` (with the outcome). Leases are timed by Redis's own clock (``TIME`` inside the
scripts), so processes with skewed clocks agree. A duplicate that finds a live lease waits,
re-reading on a short backoff, until the outcome is there or the key is free: the first attempt
raised, or its process died and its lease ran out (``lease_s``, a few seconds). What a record
means for a retry is decided once, for the memory store too, by
``gateway.idempotency.IdempotencyKeys``.

Records survive a Redis restart only as far as Redis persists them (the gateway checks
``appendonly``/RDB at start-up, see ``gateway.redis.persistence``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar, cast

import orjson
from redis.asyncio import Redis

from gateway.defaults import DEFAULT_IDEMPOTENCY_LEASE_S
from gateway.errors import InvalidRecord
from gateway.idempotency import DEFAULT_TTL_S, KeyRecord, KeyState
from gateway.redis.codec import Codec
from gateway.redis.connection import UNAVAILABLE, retry_delay, unavailable_as_typed
from gateway.redis.keys import Keys

T = TypeVar("T")

WAIT_DELAYS_S = (0.02, 0.05, 0.1, 0.2)

_NOW_MS = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
"""
# ARGV: expected owner ('' for none), the holder's record, lease ms, ttl ms.
# Answers {'taken', ''}, {'held' or 'found', the current record} or {'invalid', ''}.
_TAKE = (
    _NOW_MS
    + """
local current = redis.call('GET', KEYS[1])
if current then
  local ok, record = pcall(cjson.decode, current)
  if not ok or type(record) ~= 'table' then return {'invalid', ''} end
  if record['state'] == 'running' and tonumber(record['lease_until'] or 0) > now_ms then
    return {'held', current}
  end
  if record['owner'] ~= ARGV[1] then return {'found', current} end
end
local holder = cjson.decode(ARGV[2])
holder['lease_until'] = now_ms + tonumber(ARGV[3])
redis.call('SET', KEYS[1], cjson.encode(holder), 'PX', ARGV[4])
return {'taken', ''}
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
_SETTLE = """
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local record = cjson.decode(current)
if record['owner'] ~= ARGV[1] or record['state'] ~= 'running' then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
end
return 1
"""


class RedisIdempotencyStorage(Generic[T]):
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
        self._keys = keys
        self._codec = codec
        self._ttl_ms = max(int(ttl_s * 1000), 1)
        self._lease_ms = max(int(lease_s * 1000), 1)
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)
        self._settle = client.register_script(_SETTLE)

    async def take(
        self, key: str, expected: KeyRecord[T] | None, holder: KeyRecord[T]
    ) -> KeyRecord[T] | None:
        expected_owner = "" if expected is None else expected.owner
        with unavailable_as_typed("checking the idempotency key"):
            verdict, current = _pair(
                await self._take(
                    keys=[self._keys.idempotency(key)],
                    args=[expected_owner, self._encode(holder), self._lease_ms, self._ttl_ms],
                )
            )
        if verdict == "taken":
            return None
        if verdict == "invalid":
            raise InvalidRecord("an idempotency record is not a JSON object")
        return self._decode(current, held=verdict == "held")

    async def wait(self, key: str, waits: int) -> None:
        await asyncio.sleep(retry_delay(waits, WAIT_DELAYS_S))

    @contextlib.asynccontextmanager
    async def hold(self, key: str, holder: KeyRecord[T]) -> AsyncIterator[None]:
        renewer = asyncio.get_running_loop().create_task(
            self._keep_lease(self._keys.idempotency(key), holder.owner)
        )
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer

    async def settle(self, key: str, record: KeyRecord[T]) -> None:
        ttl_ms = self._ttl_ms if record.state is KeyState.DONE else 0
        with unavailable_as_typed("storing the idempotency key's outcome"):
            await self._settle(
                keys=[self._keys.idempotency(key)],
                args=[record.owner, self._encode(record), ttl_ms],
            )

    def _encode(self, record: KeyRecord[T]) -> bytes:
        data: dict[str, Any] = {
            "state": record.state.value,
            "fingerprint": record.fingerprint,
            "owner": record.owner,
        }
        if record.state is KeyState.DONE:
            data["outcome"] = self._codec.encode(cast(T, record.outcome)).decode()
        if record.note is not None:
            data["note"] = record.note
        return orjson.dumps(data)

    def _decode(self, raw: str, *, held: bool) -> KeyRecord[T]:
        try:
            data = orjson.loads(raw)
            state = KeyState(data["state"])
            outcome = (
                self._codec.decode(str(data["outcome"]).encode())
                if state is KeyState.DONE
                else None
            )
            note = data.get("note")
            return KeyRecord(
                state,
                str(data["fingerprint"]),
                str(data["owner"]),
                outcome,
                held,
                note=note if isinstance(note, str) else None,
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise InvalidRecord("an idempotency record is not one this gateway writes") from None

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
