"""Idempotency keys for mutations.

A retried mutation with the same key and the same input gets the first outcome back instead of
writing again; the same key with a different input is refused; a duplicate that arrives while the
first is still running waits for it. Only completed outcomes are remembered: if the first attempt
raised (e.g. the vendor was down, or its answer was lost) or its process died, the key is free
again so the retry can really retry, but that retry runs ``resume`` instead of ``operation``: the
first attempt may have reached the vendor, and the retry must recognise a write that landed
rather than report it as someone else's.

``MemoryIdempotencyStore`` is the embedded default; a shared store (Redis) implements
``IdempotencyStore`` with serialised outcomes and a lock per key.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import orjson
from cachetools import TTLCache

from adapters.model import Job
from gateway.errors import IdempotencyKeyReused, UserErrorInfo

T = TypeVar("T")


def fingerprint(operation: str, payload: Any) -> str:
    """A stable digest of an operation and its input (key order does not matter)."""
    canonical = orjson.dumps(
        {"operation": operation, "input": payload},
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
        default=str,
    )
    return hashlib.sha256(canonical).hexdigest()


Operation = Callable[[], Awaitable[T]]


class IdempotencyStore(Protocol[T]):
    async def run(
        self,
        key: str,
        fingerprint: str,
        operation: Operation[T],
        *,
        resume: Operation[T] | None = None,
    ) -> T:
        """The stored outcome for ``key``, or ``operation()``'s, stored for later retries.
        ``resume`` (default ``operation``) runs instead when an earlier attempt with this key
        and input started and never completed."""
        ...


@dataclass(slots=True)
class _Stored(Generic[T]):
    fingerprint: str
    outcome: T


@dataclass(slots=True)
class _Running:
    fingerprint: str
    done: asyncio.Event


class MemoryIdempotencyStore(Generic[T]):
    """Outcomes live for ``ttl_s`` seconds, at most ``maxsize`` of them."""

    def __init__(self, *, ttl_s: float = 24 * 3600, maxsize: int = 10_000) -> None:
        self._stored: TTLCache[str, _Stored[T]] = TTLCache(maxsize=maxsize, ttl=ttl_s)
        self._running: dict[str, _Running] = {}
        # Keys whose attempt raised: key -> that attempt's fingerprint.
        self._interrupted: TTLCache[str, str] = TTLCache(maxsize=maxsize, ttl=ttl_s)

    async def run(
        self,
        key: str,
        fingerprint: str,
        operation: Operation[T],
        *,
        resume: Operation[T] | None = None,
    ) -> T:
        while True:
            stored = self._stored.get(key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise IdempotencyKeyReused(key)
                return stored.outcome
            running = self._running.get(key)
            if running is None:
                break
            if running.fingerprint != fingerprint:
                raise IdempotencyKeyReused(key)
            await running.done.wait()
            # Loop: either the first attempt stored its outcome, or it failed and this
            # attempt takes over.

        resumed = self._interrupted.pop(key, None) == fingerprint
        running = _Running(fingerprint, asyncio.Event())
        self._running[key] = running
        try:
            outcome = await (resume or operation)() if resumed else await operation()
            self._stored[key] = _Stored(fingerprint, outcome)
            return outcome
        except BaseException:
            self._interrupted[key] = fingerprint
            raise
        finally:
            del self._running[key]
            running.done.set()

    def __len__(self) -> int:
        return len(self._stored)


@dataclass(frozen=True, slots=True)
class MutationOutcome:
    """What a mutation's first run produced, replayed for a retry with the same key."""

    job: Job | None
    errors: tuple[UserErrorInfo, ...] = ()
