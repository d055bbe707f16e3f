"""Heartbeats merged into an SSE (or multipart) stream, by a shared clock.

Strawberry merges heartbeats into a streamed subscription with a task per stream that sleeps
between heartbeats and a bounded ``asyncio.Queue`` between that task, a task draining the
source and the response: about 4.5 KB per idle subscriber. Here a timer adds the heartbeats
and a ``Mailbox`` carries the items, so an idle stream holds one draining task, a timer and
an empty mailbox. The behaviour is Strawberry's: a heartbeat every ``interval`` seconds (and
one at the start if asked), none piling up behind data, the source read one item ahead of the
response at most, its error raised to the response, and both stopped when the response ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from enum import Enum
from typing import Any

from strawberry.http.streaming import AsyncTextStream, HTTPStreamTransport
from strawberry.types import SubscriptionExecutionResult

from gateway.http.keepalive import keepalive_clock
from gateway.mailbox import Mailbox
from gateway.waiters import Waiters


class _Kind(Enum):
    ITEM = 1
    HEARTBEAT = 2
    FAILED = 3
    DONE = 4


def merge_with_heartbeat(
    stream: AsyncTextStream,
    heartbeat_message: Callable[[], str],
    interval: float,
    *,
    send_initial_heartbeat: bool,
) -> AsyncTextStream:
    """``stream`` with ``heartbeat_message()`` sent whenever it has been silent for
    ``interval`` seconds."""

    async def merged() -> AsyncGenerator[str, None]:
        box: Mailbox[tuple[_Kind, Any]] = Mailbox()
        # Woken whenever the response takes an item: the source waits for it before reading
        # the next one, as Strawberry's queue of one makes it.
        taken = Waiters()
        loop = asyncio.get_running_loop()
        clock = keepalive_clock(interval)

        async def beat() -> None:
            if len(box) == 0:
                box.put((_Kind.HEARTBEAT, None))

        async def drain() -> None:
            try:
                async for item in stream():
                    box.put((_Kind.ITEM, item))
                    while len(box):
                        await taken.wait()
            except Exception as exc:
                box.put((_Kind.FAILED, exc))
                return
            box.put((_Kind.DONE, None))

        if send_initial_heartbeat:
            box.put((_Kind.HEARTBEAT, None))
        clock.register(box, beat)
        source = loop.create_task(drain())
        try:
            while True:
                kind, value = await box.get()
                taken.wake_all()
                if kind is _Kind.DONE:
                    break
                if kind is _Kind.FAILED:
                    raise value
                yield value if kind is _Kind.ITEM else heartbeat_message()
        finally:
            await clock.unregister(box)
            source.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await source

    return merged


class TimerHeartbeats:
    """Mixin for Strawberry's view (list it before the view class): streamed results (SSE,
    multipart) get their heartbeats from ``merge_with_heartbeat``.

    Overrides the view's ``_stream_result``, a Strawberry internal, and calls its
    ``_process_stream_result``; tests/gateway/http/test_sse_heartbeat.py pins both.
    """

    def _stream_result(
        self, request: Any, result: SubscriptionExecutionResult, transport: HTTPStreamTransport
    ) -> AsyncTextStream:
        view: Any = self

        async def stream() -> AsyncGenerator[str, None]:
            all_pending: list[Any] = []
            async for value in result:
                response, all_pending = await view._process_stream_result(
                    request, value, all_pending
                )
                yield transport.encode_next(response, view.encode_json_string)
            yield transport.encode_complete()

        return merge_with_heartbeat(
            stream,
            lambda: transport.heartbeat_message(view.encode_json_string),
            interval=transport.heartbeat_interval,
            send_initial_heartbeat=transport.send_initial_heartbeat,
        )
