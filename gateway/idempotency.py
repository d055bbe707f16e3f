"""Idempotency keys for mutations.

A retried mutation with the same key and the same input gets the first outcome back instead of
writing again; the same key with a different input is refused; a duplicate that arrives while the
first is still running waits for it. Only completed outcomes are remembered: if the first attempt
raised (e.g. the vendor was down, or its answer was lost) or its process died, the key is free
again so the retry can really retry, but that retry runs ``resume`` instead of ``operation``: the
first attempt may have reached the vendor, and the retry must recognise a write that landed
rather than report it as someone else's. What the failed attempt knew that a read afterwards
cannot tell (e.g. the order's version before it sent its write) rides on its failure as a
``resume_note``, is kept with the interrupted record, and is handed to ``resume``.

``IdempotencyKeys`` holds these rules once, over an ``IdempotencyStorage`` that only keeps one
record per key and swaps it atomically: ``MemoryIdempotencyStorage`` in this process (the
embedded default, ``MemoryIdempotencyStore``) or ``gateway.redis.idempotency`` shared by every
process.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

import orjson
from cachetools import TTLCache

from adapters.model import Job
from gateway.errors import (
    GatewayError,
    IdempotencyKeyReused,
    StateStoreUnavailable,
    UpstreamFailure,
    UserErrorInfo,
)

T = TypeVar("T")

logger = logging.getLogger(__name__)

DEFAULT_TTL_S = 24 * 3600
# The fingerprint of an interrupted record that no retry resumes: nothing was sent.
NO_INPUT = ""
DEFAULT_MAXSIZE = 10_000


def fingerprint(operation: str, payload: Any) -> str:
    """A stable digest of an operation and its input (key order does not matter)."""
    canonical = orjson.dumps(
        {"operation": operation, "input": payload},
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
        default=str,
    )
    return hashlib.sha256(canonical).hexdigest()


Operation = Callable[[], Awaitable[T]]
# Resumes an attempt that never completed, given the note its failure left (None: none, e.g.
# its process died).
Resume = Callable[[str | None], Awaitable[T]]


class IdempotencyStore(Protocol[T]):
    async def run(
        self,
        key: str,
        fingerprint: str,
        operation: Operation[T],
        *,
        resume: Resume[T] | None = None,
    ) -> T:
        """The stored outcome for ``key``, or ``operation()``'s, stored for later retries.
        ``resume`` (default ``operation``) runs instead when an earlier attempt with this key
        and input started and never completed, with the note that attempt's failure left."""
        ...


class KeyState(enum.Enum):
    RUNNING = "running"
    INTERRUPTED = "interrupted"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class KeyRecord(Generic[T]):
    """What a key holds: an attempt running (``held`` while its holder is alive), an attempt
    that raised, or a completed outcome. ``owner`` names the attempt that wrote the record;
    ``note`` is what an interrupted attempt's failure left for the retry."""

    state: KeyState
    fingerprint: str
    owner: str
    outcome: T | None = None
    held: bool = False
    note: str | None = None


class IdempotencyStorage(Protocol[T]):
    """Where the record of each key is kept; no rule about what a record means for a retry."""

    async def take(
        self, key: str, expected: KeyRecord[T] | None, holder: KeyRecord[T]
    ) -> KeyRecord[T] | None:
        """Atomically store the running record ``holder`` if the key holds nothing, or holds
        the record of ``expected``'s owner and no live holder; None then. Otherwise the record
        the key holds, with ``held`` saying whether its holder is still alive."""
        ...

    async def wait(self, key: str, waits: int) -> None:
        """Return once the live holder of ``key`` may have finished (``waits``: how many
        times this attempt waited already)."""
        ...

    def hold(self, key: str, holder: KeyRecord[T]) -> contextlib.AbstractAsyncContextManager[None]:
        """Keep ``holder``'s hold on ``key`` alive while the attempt runs."""
        ...

    async def settle(self, key: str, record: KeyRecord[T]) -> None:
        """Replace the running record of ``record.owner`` by ``record`` (final: done, or
        interrupted); nothing if that owner no longer holds the key. May raise
        ``StateStoreUnavailable``."""
        ...


class IdempotencyKeys(Generic[T]):
    """``IdempotencyStore``'s rules, once, over any ``IdempotencyStorage``."""

    def __init__(self, storage: IdempotencyStorage[T]) -> None:
        self._storage = storage

    async def run(
        self,
        key: str,
        fingerprint: str,
        operation: Operation[T],
        *,
        resume: Resume[T] | None = None,
    ) -> T:
        owner = secrets.token_hex(16)
        holder: KeyRecord[T] = KeyRecord(KeyState.RUNNING, fingerprint, owner)
        expected: KeyRecord[T] | None = None
        waits = 0
        while (found := await self._storage.take(key, expected, holder)) is not None:
            expected = None
            if found.state is not KeyState.INTERRUPTED and found.fingerprint != fingerprint:
                raise IdempotencyKeyReused(key)
            if found.state is KeyState.DONE:
                return cast(T, found.outcome)
            if found.held:
                await self._storage.wait(key, waits)
                waits += 1
                continue
            # The attempt before raised, or its process died: this one takes over.
            expected = found
        resumed = expected is not None and expected.fingerprint == fingerprint
        try:
            async with self._storage.hold(key, holder):
                if resumed and resume is not None and expected is not None:
                    outcome = await resume(expected.note)
                else:
                    outcome = await operation()
        except BaseException as exc:
            interrupted: KeyRecord[T] = KeyRecord(
                KeyState.INTERRUPTED, fingerprint, owner, note=resume_note(exc)
            )
            if isinstance(exc, GatewayError) and exc.sent_nothing:
                # Refused before the vendor was called: the key is left as this attempt found
                # it, free (no input resumes an attempt of no input) or with the note of the
                # attempt before.
                interrupted = (
                    dataclasses.replace(interrupted, note=expected.note)
                    if resumed and expected is not None
                    else dataclasses.replace(interrupted, fingerprint=NO_INPUT)
                )
            # Best effort: a record left running lapses by itself, with the same effect.
            with contextlib.suppress(StateStoreUnavailable):
                await self._storage.settle(key, interrupted)
            raise
        try:
            await self._storage.settle(key, KeyRecord(KeyState.DONE, fingerprint, owner, outcome))
        except StateStoreUnavailable:
            # The write happened: report it. A later retry with this key resumes (it finds the
            # hold lapsed) and recognises the landed write instead of writing again.
            logger.warning("idempotency key %r: the outcome could not be stored", key)
        return outcome


def resume_note(exc: BaseException) -> str | None:
    """The note a failed attempt leaves for its retry: an ``UpstreamFailure``'s."""
    return exc.resume_note if isinstance(exc, UpstreamFailure) else None


_NOTHING_TO_RENEW = contextlib.nullcontext()


@dataclass(slots=True)
class _Running(Generic[T]):
    record: KeyRecord[T]
    done: asyncio.Event


class MemoryIdempotencyStorage(Generic[T]):
    """Final records live for ``ttl_s`` seconds, at most ``maxsize`` of them; a running record
    lives as long as its attempt (which is in this process, so it is always held)."""

    def __init__(self, *, ttl_s: float = DEFAULT_TTL_S, maxsize: int = DEFAULT_MAXSIZE) -> None:
        self._settled: TTLCache[str, KeyRecord[T]] = TTLCache(maxsize=maxsize, ttl=ttl_s)
        self._running: dict[str, _Running[T]] = {}

    async def take(
        self, key: str, expected: KeyRecord[T] | None, holder: KeyRecord[T]
    ) -> KeyRecord[T] | None:
        running = self._running.get(key)
        if running is not None:
            return running.record
        current = self._settled.get(key)
        if current is not None and (expected is None or current.owner != expected.owner):
            return current
        self._settled.pop(key, None)
        held: KeyRecord[T] = KeyRecord(
            KeyState.RUNNING, holder.fingerprint, holder.owner, held=True
        )
        self._running[key] = _Running(held, asyncio.Event())
        return None

    async def wait(self, key: str, waits: int) -> None:
        running = self._running.get(key)
        if running is not None:
            await running.done.wait()

    def hold(self, key: str, holder: KeyRecord[T]) -> contextlib.AbstractAsyncContextManager[None]:
        # The holder runs in this process: nothing can take its key while it lives.
        return _NOTHING_TO_RENEW

    async def settle(self, key: str, record: KeyRecord[T]) -> None:
        running = self._running.get(key)
        if running is None or running.record.owner != record.owner:
            return
        del self._running[key]
        self._settled[key] = record
        running.done.set()


class MemoryIdempotencyStore(IdempotencyKeys[T]):
    """The embedded store: outcomes live for ``ttl_s`` seconds, at most ``maxsize`` of them."""

    def __init__(self, *, ttl_s: float = DEFAULT_TTL_S, maxsize: int = DEFAULT_MAXSIZE) -> None:
        super().__init__(MemoryIdempotencyStorage(ttl_s=ttl_s, maxsize=maxsize))


@dataclass(frozen=True, slots=True)
class MutationOutcome:
    """What a mutation's first run produced, replayed for a retry with the same key."""

    job: Job | None
    errors: tuple[UserErrorInfo, ...] = ()
