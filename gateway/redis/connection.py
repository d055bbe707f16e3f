"""The Redis client, and telling "Redis cannot be reached" apart from a bug.

Every call is bounded: a Redis that is down fails fast (one quick retry, short socket
timeouts) instead of stalling requests, and the failure becomes ``StateStoreUnavailable`` (a
typed GraphQL error, code ``STATE_STORE_UNAVAILABLE``). The client reconnects by itself on the
next call once Redis is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from gateway.errors import RedisUnreachable, StateStoreUnavailable
from gateway.settings import redact_url

DEFAULT_REDIS_TIMEOUT_S = 2.0
# How long background work (log writer and tail, invalidation publisher) waits before trying
# Redis again after the n-th failure in a row; the last delay repeats.
RETRY_DELAYS_S = (0.05, 0.2, 0.5, 1.0, 2.0)


def retry_delay(failures: int, delays: tuple[float, ...] = RETRY_DELAYS_S) -> float:
    """The wait after ``failures`` failures in a row (0-based) on a stepped schedule."""
    return delays[min(failures, len(delays) - 1)]


# What a lost, restarting or read-only (failing-over) Redis raises; anything else is a bug.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.TryAgainError,
    redis_errors.ClusterDownError,
    ConnectionError,
    TimeoutError,
    OSError,
)


# Anything a Redis call can raise that is not a bug of ours.
FAILURES: tuple[type[BaseException], ...] = (*UNAVAILABLE, redis_errors.RedisError)


def open_client(url: str, *, timeout_s: float = DEFAULT_REDIS_TIMEOUT_S) -> Redis:
    # Reconnecting once covers a connection the server closed while it sat idle in the pool;
    # more retries would only hold requests longer when Redis is really gone.
    return Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=1),
        client_name="order-gateway",
    )


async def connect(url: str, *, timeout_s: float = DEFAULT_REDIS_TIMEOUT_S) -> Redis:
    """A client whose server answered a PING; ``RedisUnreachable`` otherwise."""
    client = open_client(url, timeout_s=timeout_s)
    try:
        await client.ping()
    except FAILURES as exc:
        await client.aclose()
        raise RedisUnreachable(
            f"cannot reach Redis at {redact_url(url)} (GATEWAY_REDIS_URL): {describe(exc)}"
        ) from None
    return client


def probe(url: str, *, timeout_s: float = DEFAULT_REDIS_TIMEOUT_S) -> None:
    """Outside any event loop (the command line, before the server starts): raise
    ``RedisUnreachable`` unless Redis answers."""

    async def ping() -> None:
        client = await connect(url, timeout_s=timeout_s)
        await client.aclose()

    asyncio.run(ping())


def describe(exc: BaseException) -> str:
    """A short reason; redis-py's messages name host and port, never the password."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


@contextmanager
def unavailable_as_typed(action: str) -> Iterator[None]:
    """Turn a lost Redis into ``StateStoreUnavailable`` naming what could not be done."""
    try:
        yield
    except UNAVAILABLE as exc:
        raise StateStoreUnavailable(
            f"The gateway's shared state store is unavailable ({action}); please retry in a moment."
        ) from exc
