"""``DocumentStore`` in Redis: a document registered through one process is known to all.

Each document is a string key ``{prefix}:document:<sha256>`` that expires a while after its last
registration; an expired one costs a client one extra round trip, nothing more.
"""

from __future__ import annotations

from redis.asyncio import Redis

from gateway.redis.connection import unavailable_as_typed
from gateway.redis.keys import Keys

DEFAULT_DOCUMENT_TTL_S = 7 * 24 * 3600


class RedisDocumentStore:
    def __init__(self, client: Redis, keys: Keys, ttl_s: int = DEFAULT_DOCUMENT_TTL_S) -> None:
        self._client = client
        self._keys = keys
        self._ttl_s = ttl_s

    async def lookup(self, sha256: str) -> str | None:
        with unavailable_as_typed("reading a persisted query"):
            value = await self._client.get(self._keys.document(sha256))
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    async def register(self, sha256: str, document: str) -> None:
        with unavailable_as_typed("storing a persisted query"):
            await self._client.set(self._keys.document(sha256), document, ex=self._ttl_s)
