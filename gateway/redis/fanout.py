"""``Fanout`` over Redis pub/sub: a message published by any gateway process reaches the
subscribers of its topic in every process.

Subscribing is local (the process's hub already hears every topic), so it is synchronous and
cannot miss a message published after it returns. If the pub/sub connection is lost, messages
may be lost with it, so every live subscription then ends with ``StateStoreUnavailable``
instead of waiting for news that might never come; the client subscribes again once Redis is
back.
"""

from __future__ import annotations

import logging
from typing import Generic, TypeVar

from redis.asyncio import Redis

from gateway.errors import InvalidRecord, StateStoreUnavailable
from gateway.pubsub import DEFAULT_MAX_QUEUE, LocalSubscribers, LocalSubscription
from gateway.redis.codec import Codec
from gateway.redis.connection import unavailable_as_typed
from gateway.redis.hub import PubSubHub
from gateway.redis.keys import Keys

T = TypeVar("T")

logger = logging.getLogger(__name__)


class RedisFanout(Generic[T]):
    def __init__(
        self,
        client: Redis,
        hub: PubSubHub,
        keys: Keys,
        codec: Codec[T],
        *,
        max_queue: int = DEFAULT_MAX_QUEUE,
    ) -> None:
        self._subscribers: LocalSubscribers[T] = LocalSubscribers(max_queue)
        self._client = client
        self._hub = hub
        self._keys = keys
        self._codec = codec
        hub.route(keys.fanout_channels, self._receive)
        hub.on_availability(self._availability)

    def subscribe(self, topic: str) -> LocalSubscription[T]:
        return self._subscribers.subscribe(topic, refused=None if self._hub.available else _lost())

    async def publish(self, topic: str, message: T) -> int:
        """Returns how many gateway processes heard it (each delivers to its own subscribers)."""
        data = self._codec.encode(message)
        with unavailable_as_typed("publishing an update"):
            receivers: int = await self._client.publish(self._keys.fanout_channel(topic), data)
        return receivers

    def subscriber_count(self, topic: str | None = None) -> int:
        return self._subscribers.count(topic)

    async def aclose(self) -> None:
        self._subscribers.close()

    async def _receive(self, topic: str, data: bytes) -> None:
        if not self._subscribers.has_subscribers(topic):
            return
        try:
            message = self._codec.decode(data)
        except InvalidRecord as exc:
            logger.warning("dropped an unreadable message on topic %s: %s", topic, exc)
            return
        self._subscribers.deliver(topic, message)

    async def _availability(self, available: bool) -> None:
        if not available:
            self._subscribers.end_all(_lost())


def _lost() -> StateStoreUnavailable:
    return StateStoreUnavailable(
        "The gateway lost its connection to the shared state store, so updates may have been "
        "missed; subscribe again in a moment."
    )
