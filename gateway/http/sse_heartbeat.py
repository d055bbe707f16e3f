"""Heartbeats of a streamed subscription (SSE, multipart), sent by a shared clock.

Strawberry merges heartbeats into a streamed subscription with a task per stream that sleeps
between heartbeats and a bounded ``asyncio.Queue`` between that task, a task draining the
source and the response: about 4.5 KB per idle subscriber. Here the view hands the response
its stream as it is, with the ``Heartbeats`` to add (a ``HeartbeatStream``), and the response
(``gateway.http.sse.RequestTaskStreamingResponse``) sends them itself from the event loop's
keep-alive clock: an idle stream holds no task, queue or buffer of its own for them. The
behaviour is Strawberry's: a heartbeat every ``interval`` seconds (and one at the start if
asked), none piling up behind data, the source read no further ahead than the response sends,
its error raised to the response, and the source stopped when the response ends.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

from strawberry.http.streaming import AsyncTextStream, HTTPStreamTransport
from strawberry.types import SubscriptionExecutionResult


@dataclass(frozen=True, slots=True)
class Heartbeats:
    """What a streamed response sends while its stream is silent: ``message()`` every
    ``interval_s`` seconds, and once at the start if ``initial``."""

    message: Callable[[], str]
    interval_s: float
    initial: bool


class HeartbeatStream:
    """A streamed result's text (called for its iterator, as Strawberry's ``AsyncTextStream``
    is) and the heartbeats its response adds."""

    __slots__ = ("_stream", "heartbeats")

    def __init__(self, stream: AsyncTextStream, heartbeats: Heartbeats) -> None:
        self._stream = stream
        self.heartbeats = heartbeats

    def __call__(self) -> AsyncGenerator[str, None]:
        return self._stream()


class TimerHeartbeats:
    """Mixin for Strawberry's view (list it before the view class): streamed results (SSE,
    multipart) go to the response with their heartbeats beside them, not merged in.

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

        return HeartbeatStream(
            stream,
            Heartbeats(
                message=lambda: transport.heartbeat_message(view.encode_json_string),
                interval_s=transport.heartbeat_interval,
                initial=transport.send_initial_heartbeat,
            ),
        )
