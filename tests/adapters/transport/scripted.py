"""Small vendors for transport tests: a scripted HTTP app and a raw TCP server that drops
connections, both on real loopback sockets."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Step:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    body: bytes = b"{}"


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    at: float


class ScriptedVendor:
    """Answers each request with the next scripted step (then ``default``) and records it."""

    def __init__(self, default: Step | None = None) -> None:
        self.default = default or Step()
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self.hits: list[Hit] = []
        self.app = Starlette(
            routes=[
                Route(
                    "/{path:path}",
                    self._endpoint,
                    methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
                )
            ]
        )

    def then(self, *steps: Step) -> ScriptedVendor:
        with self._lock:
            self._steps.extend(steps)
        return self

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.hits.append(
                Hit(
                    request.method,
                    request.url.path,
                    request.url.query,
                    dict(request.headers),
                    body,
                    time.monotonic(),
                )
            )
            step = self._steps.popleft() if self._steps else self.default
        if step.delay_s:
            await asyncio.sleep(step.delay_s)
        return Response(
            step.body, status_code=step.status, headers=step.headers, media_type="application/json"
        )


class DroppingServer:
    """Reads a request, then closes the connection without a word."""

    def __init__(self) -> None:
        self.connections = 0
        self.url = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=2)
        finally:
            writer.close()


@asynccontextmanager
async def dropping_server() -> AsyncIterator[DroppingServer]:
    dropper = DroppingServer()
    server = await asyncio.start_server(dropper._handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    dropper.url = f"http://127.0.0.1:{port}"
    try:
        yield dropper
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), timeout=5)
