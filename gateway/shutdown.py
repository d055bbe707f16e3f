"""Complete open subscriptions before the server closes their connections.

uvicorn answers SIGINT/SIGTERM by closing every WebSocket (code 1012) and cutting SSE streams
*before* the application's lifespan shutdown runs, so subscriptions would end without their
``complete`` message and clients would read it as a failure to retry. The first signal
therefore ends the gateway's streams first — each open subscription then sends its completion —
and only afterwards hands the signal to the server's own handler. A second signal takes the
server's usual path at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

logger = logging.getLogger("gateway")

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# Long enough for the completion frames to leave the socket buffers, short against any
# orchestrator's grace period.
STREAM_FLUSH_S = 0.2
END_STREAMS_TIMEOUT_S = 5.0

SignalHandler = Callable[[int, FrameType | None], Any]


@contextmanager
def complete_streams_on_signal(end_streams: Callable[[], Awaitable[None]]) -> Iterator[None]:
    """While active, the first SIGINT/SIGTERM awaits ``end_streams`` before the server hears it.

    Only the main thread can hold signal handlers; elsewhere (an app served from a test thread)
    this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {sig: signal.getsignal(sig) for sig in HANDLED_SIGNALS}
    draining: list[asyncio.Task[None]] = []

    async def drain_then_forward(forward: SignalHandler, sig: int, frame: FrameType | None) -> None:
        try:
            await asyncio.wait_for(end_streams(), END_STREAMS_TIMEOUT_S)
            await asyncio.sleep(STREAM_FLUSH_S)
        except Exception:  # the server must still stop
            logger.exception("ending open subscriptions before shutdown failed")
        forward(sig, frame)

    def handler(sig: int, frame: FrameType | None) -> None:
        forward = previous.get(sig)
        if not callable(forward):
            return
        if draining:
            forward(sig, frame)
            return
        logger.info("shutting down: completing open subscriptions first")
        draining.append(loop.create_task(drain_then_forward(forward, sig, frame)))

    for handled in HANDLED_SIGNALS:
        signal.signal(handled, handler)
    try:
        yield
    finally:
        for sig, original in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, original)
