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

from gateway.errors import StateStoreUnavailable
from gateway.pubsub import DEFAULT_MAX_QUEUE, LocalSubscription
from gateway.redis.codec import Codec, InvalidRecord
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
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self._client = client
        self._hub = hub
        self._keys = keys
        self._codec = codec
        self._max_queue = max_queue
        self._topics: dict[str, set[LocalSubscription[T]]] = {}
        self._closed = False
        hub.route(keys.fanout_channels, self._receive)
        hub.on_availability(self._availability)

    def subscribe(self, topic: str) -> LocalSubscription[T]:
        subscription: LocalSubscription[T] = LocalSubscription(self, topic, self._max_queue)
        if self._closed:
            subscription.close()
        elif not self._hub.available:
            subscription._end(_lost())
        else:
            self._topics.setdefault(topic, set()).add(subscription)
        return subscription

    async def publish(self, topic: str, message: T) -> int:
        """Returns how many gateway processes heard it (each delivers to its own subscribers)."""
        data = self._codec.encode(message)
        with unavailable_as_typed("publishing an update"):
            receivers: int = await self._client.publish(self._keys.fanout_channel(topic), data)
        return receivers

    def subscriber_count(self, topic: str | None = None) -> int:
        if topic is not None:
            return len(self._topics.get(topic, ()))
        return sum(len(subs) for subs in self._topics.values())

    async def aclose(self) -> None:
        self._closed = True
        self._end_all(None)

    async def _receive(self, topic: str, data: bytes) -> None:
        subscriptions = self._topics.get(topic)
        if not subscriptions:
            return
        try:
            message = self._codec.decode(data)
        except InvalidRecord as exc:
            logger.warning("dropped an unreadable message on topic %s: %s", topic, exc)
            return
        # Copy: a delivery that overflows ends (and unregisters) its subscription.
        for subscription in list(subscriptions):
            subscription._deliver(message)

    async def _availability(self, available: bool) -> None:
        if not available:
            self._end_all(_lost())

    def _end_all(self, error: Exception | None) -> None:
        for subscriptions in list(self._topics.values()):
            for subscription in list(subscriptions):
                subscription._end(error)
        self._topics.clear()

    def _forget(self, subscription: LocalSubscription[T]) -> None:
        subscriptions = self._topics.get(subscription.topic)
        if subscriptions is None:
            return
        subscriptions.discard(subscription)
        if not subscriptions:
            del self._topics[subscription.topic]


def _lost() -> StateStoreUnavailable:
    return StateStoreUnavailable(
        "The gateway lost its connection to the shared state store, so updates may have been "
        "missed; subscribe again in a moment."
    )
