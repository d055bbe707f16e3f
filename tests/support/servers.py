"""Run ASGI apps on real loopback sockets for tests.

Each app gets its own uvicorn server, event loop and thread, on a port the kernel picks, so
tests talk real HTTP/WebSocket to it and never collide on ports.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

START_TIMEOUT_S = 60.0


class LoopbackServer:
    """One ASGI app served on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        app: Any,
        *,
        ws: str = "websockets",
        lifespan: Literal["auto", "on", "off"] = "on",
        **config: Any,
    ) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level="warning",
                ws=ws,
                lifespan=lifespan,
                timeout_graceful_shutdown=5,
                **config,
            )
        )
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve(sockets=[self._sock]))

    def start(self) -> LoopbackServer:
        self._thread.start()
        # Generous: on a loaded machine a server with emulators to start takes seconds.
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()


@contextmanager
def serve(app: Any, **kwargs: Any) -> Iterator[LoopbackServer]:
    server = LoopbackServer(app, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()
