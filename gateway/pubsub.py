"""Topic fan-out: one publisher, any number of live subscribers per topic.

The gateway publishes job progress here so that every subscriber of a job is fed by the single
poller of that job. ``MemoryFanout`` serves one process; a Redis implementation of ``Fanout``
lets several gateway processes share the stream.

A subscription is registered the moment ``subscribe`` returns, before the caller reads any
state, so a caller that subscribes first and reads the current state second never misses an
update published in between.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

from gateway.errors import SubscriberOverflow
from gateway.mailbox import Mailbox

T = TypeVar("T")

DEFAULT_MAX_QUEUE = 1000


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


class LocalSubscription(Generic[T]):
    """One subscriber of a topic in this process, buffering in a bounded ``Mailbox``; every
    ``Fanout`` (in memory or over Redis) hands these out and forgets them once they end."""

    def __init__(self, subscribers: LocalSubscribers[T], topic: str, max_queue: int) -> None:
        self._subscribers = subscribers
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
        self._subscribers.forget(self)

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    def __anext__(self) -> Coroutine[Any, Any, T]:
        # The mailbox's own awaitable: no frame of this method stays while the reader waits.
        return self._mailbox.get()

    async def __aenter__(self) -> LocalSubscription[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class LocalSubscribers(Generic[T]):
    """The subscriptions of this process by topic: what every ``Fanout`` keeps, whether its
    messages travel in memory or through Redis."""

    def __init__(self, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self._max_queue = max_queue
        self._topics: dict[str, set[LocalSubscription[T]]] = {}
        self.closed = False

    def subscribe(self, topic: str, *, refused: Exception | None = None) -> LocalSubscription[T]:
        """A new subscription of ``topic``; ended at once (with ``refused`` as its error) when
        the fan-out is closed or cannot promise to deliver."""
        subscription: LocalSubscription[T] = LocalSubscription(self, topic, self._max_queue)
        if self.closed:
            subscription.close()
        elif refused is not None:
            subscription._end(refused)
        else:
            self._topics.setdefault(topic, set()).add(subscription)
        return subscription

    def has_subscribers(self, topic: str) -> bool:
        return topic in self._topics

    def deliver(self, topic: str, message: T) -> int:
        """Hand ``message`` to every subscriber of ``topic`` here; returns how many took it."""
        # Copy: a delivery that overflows ends (and unregisters) its subscription.
        return sum(sub._deliver(message) for sub in list(self._topics.get(topic, ())))

    def count(self, topic: str | None = None) -> int:
        if topic is not None:
            return len(self._topics.get(topic, ()))
        return sum(len(subs) for subs in self._topics.values())

    def end_all(self, error: Exception | None) -> None:
        for subs in list(self._topics.values()):
            for sub in list(subs):
                sub._end(error)
        self._topics.clear()

    def close(self) -> None:
        self.closed = True
        self.end_all(None)

    def forget(self, subscription: LocalSubscription[T]) -> None:
        subs = self._topics.get(subscription.topic)
        if subs is None:
            return
        subs.discard(subscription)
        if not subs:
            del self._topics[subscription.topic]


class MemoryFanout(Generic[T]):
    """In-process fan-out; each subscriber has its own bounded queue."""

    def __init__(self, *, max_queue: int = DEFAULT_MAX_QUEUE) -> None:
        self._subscribers: LocalSubscribers[T] = LocalSubscribers(max_queue)

    def subscribe(self, topic: str) -> LocalSubscription[T]:
        return self._subscribers.subscribe(topic)

    async def publish(self, topic: str, message: T) -> int:
        return self._subscribers.deliver(topic, message)

    def subscriber_count(self, topic: str | None = None) -> int:
        return self._subscribers.count(topic)

    async def aclose(self) -> None:
        self._subscribers.close()
