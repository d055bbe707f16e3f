"""``DocumentStore`` in Redis: a document registered through one process is known to all.

Documents live in one hash, with a sorted set of when each was last registered or looked up
and a running total of their bytes. A registration that takes the total past the bound pushes
out the least recently used; one unused for the time to live goes too. A client registering
unique (or padded) documents therefore cannot grow Redis past the bound, and a pushed-out
document costs a client one extra round trip, nothing more.
"""

from __future__ import annotations

import time

from redis.asyncio import Redis

from gateway.documents import DEFAULT_MAX_DOCUMENT_CHARS
from gateway.redis.connection import unavailable_as_typed
from gateway.redis.keys import Keys

DEFAULT_DOCUMENT_TTL_S = 7 * 24 * 3600
# What an entry costs beyond its text (hash field, set member, score), so small ones count too.
_ENTRY_OVERHEAD_BYTES = 256

# KEYS: the documents hash, the last-used set, the byte total.
# ARGV: hash, document, now, time to live, most bytes, entry overhead.
_REGISTER = """
local size = string.len(ARGV[2]) + tonumber(ARGV[6])
local most = tonumber(ARGV[5])
if size > most then return 0 end
local overhead = tonumber(ARGV[6])
local total = tonumber(redis.call('GET', KEYS[3]) or '0')
local function drop(member)
  local held = redis.call('HSTRLEN', KEYS[1], member)
  if redis.call('HDEL', KEYS[1], member) == 1 then total = total - held - overhead end
  redis.call('ZREM', KEYS[2], member)
end
drop(ARGV[1])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]),
                         'LIMIT', 0, 100)
for _, member in ipairs(stale) do drop(member) end
while total + size > most do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #oldest == 0 then total = 0 break end
  drop(oldest[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('SET', KEYS[3], total + size)
return 1
"""

# KEYS: the documents hash, the last-used set. ARGV: hash, now.
_LOOKUP = """
local document = redis.call('HGET', KEYS[1], ARGV[1])
if document then redis.call('ZADD', KEYS[2], 'XX', ARGV[2], ARGV[1]) end
return document
"""


class RedisDocumentStore:
    def __init__(
        self,
        client: Redis,
        keys: Keys,
        ttl_s: int = DEFAULT_DOCUMENT_TTL_S,
        max_bytes: int = DEFAULT_MAX_DOCUMENT_CHARS,
    ) -> None:
        self._keys = (keys.documents, keys.documents_used, keys.documents_bytes)
        self._ttl_s = ttl_s
        self._max_bytes = max_bytes
        self._register = client.register_script(_REGISTER)
        self._lookup = client.register_script(_LOOKUP)

    async def lookup(self, sha256: str) -> str | None:
        with unavailable_as_typed("reading a persisted query"):
            value = await self._lookup(keys=self._keys[:2], args=[sha256, time.time()])
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    async def register(self, sha256: str, document: str) -> None:
        args: list[str | float] = [
            sha256,
            document,
            time.time(),
            self._ttl_s,
            self._max_bytes,
            _ENTRY_OVERHEAD_BYTES,
        ]
        with unavailable_as_typed("storing a persisted query"):
            await self._register(keys=self._keys, args=args)
