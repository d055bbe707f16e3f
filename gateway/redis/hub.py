"""One pub/sub connection per process, shared by every Redis-backed part that listens.

The hub subscribes once to a pattern covering all of the gateway's channels and hands each
message to the route whose channel prefix matches. Because the pattern subscription exists
before the gateway serves anything, registering interest in a topic is a local, synchronous
step: a subscriber that registers and then reads shared state cannot miss a message published
after that read.

Pub/sub delivers at most once: messages published while the connection is down are lost. The
hub therefore tells its listeners when it loses the connection and when it has it back, so
they can end or resynchronise what depended on it; it reconnects by itself with a backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from gateway.redis.connection import FAILURES, describe, retry_delay

logger = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], Awaitable[None]]
StateListener = Callable[[bool], Awaitable[None]]

RECONNECT_DELAYS_S = (0.05, 0.1, 0.2, 0.5, 1.0)
# A quiet connection is probed this often; one that stays silent for three probes is dead
# (a hung server never closes the socket, so nothing else would tell).
PROBE_INTERVAL_S = 5.0
READ_TIMEOUT_S = 0.5


class PubSubHub:
    def __init__(self, client: Redis, channels_prefix: str) -> None:
        self._client = client
        self._prefix = channels_prefix
        self._pattern = f"{channels_prefix}*"
        self._routes: list[tuple[str, MessageHandler]] = []
        self._listeners: list[StateListener] = []
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None
        self._available = False
        self._closed = False

    @property
    def available(self) -> bool:
        """Whether the subscription is live right now (messages are being heard)."""
        return self._available and not self._closed

    def route(self, channel_prefix: str, handler: MessageHandler) -> None:
        """Messages on channels starting with ``channel_prefix`` go to ``handler`` with the
        rest of the channel name."""
        if not channel_prefix.startswith(self._prefix):
            raise ValueError(f"channel {channel_prefix!r} is outside {self._prefix!r}")
        self._routes.append((channel_prefix, handler))

    def on_availability(self, listener: StateListener) -> None:
        """``listener(False)`` when the connection is lost, ``listener(True)`` when it is back."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Subscribe and start listening; raises (a ``UNAVAILABLE`` error) if Redis is down."""
        self._pubsub = await self._subscribe()
        self._available = True
        self._task = asyncio.get_running_loop().create_task(self._run(), name="redis-pubsub")

    async def aclose(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._drop_pubsub()

    async def _subscribe(self) -> PubSub:
        pubsub = self._client.pubsub()
        try:
            await pubsub.psubscribe(self._pattern)
            # Wait for the confirmation: only then is the subscription live at the server.
            async with asyncio.timeout(5.0):
                while True:
                    message = await pubsub.get_message(timeout=READ_TIMEOUT_S)
                    if message is not None and message["type"] == "psubscribe":
                        return pubsub
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            raise

    async def _drop_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_heard = loop.time()
        last_probe = last_heard
        while not self._closed:
            try:
                assert self._pubsub is not None
                message = await self._pubsub.get_message(timeout=READ_TIMEOUT_S)
                now = loop.time()
                if message is not None:
                    last_heard = now
                    await self._dispatch(message)
                elif now - last_heard > 3 * PROBE_INTERVAL_S:
                    raise redis_errors.TimeoutError("no answer to pub/sub probes")
                elif now - last_probe > PROBE_INTERVAL_S and now - last_heard > PROBE_INTERVAL_S:
                    last_probe = now
                    await self._pubsub.ping()
            except asyncio.CancelledError:
                raise
            except FAILURES as exc:
                logger.warning("Redis pub/sub connection lost: %s; reconnecting", describe(exc))
                await self._set_available(False)
                await self._reconnect()
                last_heard = last_probe = loop.time()
                logger.warning("Redis pub/sub connection restored")
                await self._set_available(True)

    async def _reconnect(self) -> None:
        await self._drop_pubsub()
        attempt = 0
        while not self._closed:
            await asyncio.sleep(retry_delay(attempt, RECONNECT_DELAYS_S))
            attempt += 1
            try:
                self._pubsub = await self._subscribe()
                return
            except FAILURES:
                continue

    async def _dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] != "pmessage":
            return
        raw_channel = message["channel"]
        channel = raw_channel.decode() if isinstance(raw_channel, bytes) else str(raw_channel)
        data = message["data"]
        for prefix, handler in self._routes:
            if channel.startswith(prefix):
                try:
                    await handler(channel[len(prefix) :], data)
                except Exception:
                    logger.exception("handling a message on %s failed", channel)

    async def _set_available(self, available: bool) -> None:
        self._available = available
        for listener in self._listeners:
            try:
                await listener(available)
            except Exception:
                logger.exception("a Redis availability listener failed")
