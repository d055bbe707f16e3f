"""Topic fan-out: one publisher, any number of live subscribers per topic.

The gateway publishes job progress here so that every subscriber of a job is fed by the single
poller of that job. ``MemoryFanout`` serves one process; a Redis implementation of ``Fanout``
lets several gateway processes share the stream.

A subscription is registered the moment ``subscribe`` returns, before the caller reads any
state, so a caller that subscribes first and reads the current state second never misses an
update published in between.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from gateway.mailbox import Mailbox

T = TypeVar("T")

DEFAULT_MAX_QUEUE = 1000


class SubscriberOverflow(Exception):
    """The subscriber fell too far behind and was dropped instead of buffering without bound."""


class Subscription(Protocol[T]):
    """A live feed of one topic; iterate it, and close it (or use ``async with``) when done."""

    def __aiter__(self) -> AsyncIterator[T]: ...

    async def __aenter__(self) -> Subscription[T]: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def close(self) -> None:
        """Stop the feed; iteration ends once messages already received are read."""
        ...


class Fanout(Protocol[T]):
    def subscribe(self, topic: str) -> Subscription[T]: ...

    async def publish(self, topic: str, message: T) -> int:
        """Deliver ``message`` to the topic's subscribers; returns how many got it (locally)."""
        ...

    def subscriber_count(self, topic: str | None = None) -> int:
        """Live subscriptions of one topic, or of all topics."""
        ...

    async def aclose(self) -> None:
        """End every subscription; later subscriptions end at once."""
        ...


class _Registry(Protocol):
    def _forget(self, subscription: LocalSubscription[Any]) -> None: ...


class LocalSubscription(Generic[T]):
    """One subscriber of a topic in this process, buffering in a bounded ``Mailbox``; every
    ``Fanout`` (in memory or over Redis) hands these out and forgets them once they end."""

    def __init__(self, fanout: _Registry, topic: str, max_queue: int) -> None:
        self._fanout = fanout
        self.topic = topic
        self._mailbox: Mailbox[T] = Mailbox()
        self._max_queue = max_queue

    @property
    def closed(self) -> bool:
        return self._mailbox.ended

    def _deliver(self, message: T) -> bool:
        if self._mailbox.ended:
            return False
        if len(self._mailbox) >= self._max_queue:
            self._end(
                SubscriberOverflow(
                    f"subscriber of {self.topic!r} fell more than {self._max_queue} messages behind"
                )
            )
            return False
        self._mailbox.put(message)
        return True

    def close(self) -> None:
        self._end(None)

    def _end(self, error: Exception | None) -> None:
        if self._mailbox.ended:
            return
        self._mailbox.end(error)
        self._fanout._forget(self)

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        return await self._mailbox.get()

    async def __aenter__(self) -> LocalSubscription[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class MemoryFanout(Generic[T]):
    """In-process fan-out; each subscriber has its own bounded queue."""

    def __init__(self, *, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self._max_queue = max_queue
        self._topics: dict[str, set[LocalSubscription[T]]] = {}
        self._closed = False

    def subscribe(self, topic: str) -> LocalSubscription[T]:
        subscription: LocalSubscription[T] = LocalSubscription(self, topic, self._max_queue)
        if self._closed:
            subscription.close()
        else:
            self._topics.setdefault(topic, set()).add(subscription)
        return subscription

    async def publish(self, topic: str, message: T) -> int:
        # Copy: a delivery that overflows closes (and unregisters) its subscription.
        return sum(sub._deliver(message) for sub in list(self._topics.get(topic, ())))

    def subscriber_count(self, topic: str | None = None) -> int:
        if topic is not None:
            return len(self._topics.get(topic, ()))
        return sum(len(subs) for subs in self._topics.values())

    async def aclose(self) -> None:
        self._closed = True
        for subs in list(self._topics.values()):
            for sub in list(subs):
                sub.close()
        self._topics.clear()

    def _forget(self, subscription: LocalSubscription[T]) -> None:
        subs = self._topics.get(subscription.topic)
        if subs is None:
            return
        subs.discard(subscription)
        if not subs:
            del self._topics[subscription.topic]
