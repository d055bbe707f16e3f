"""Limits on client connections that only the HTTP server can enforce.

uvicorn times out idle keep-alive connections but not a request whose headers arrive a byte at
a time (or never): such a peer holds a connection and its buffers for as long as it likes.
``HeaderDeadlineHttpToolsProtocol`` gives every request ``header_timeout_s`` from its first
byte (or from the connection's opening) to complete its headers, then answers 408 and closes.
``server_options`` are the uvicorn settings every gateway server runs with, WebSockets served by
``LeanWebSocketProtocol`` (uvicorn's sans-I/O protocol, lighter per idle connection).
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.http.ws_protocol import LeanWebSocketProtocol
from gateway.settings import ConnectionLimits

_TIMEOUT_BODY = (
    b'{"errors":[{"message":"Request headers took too long","extensions":{"code":"BAD_REQUEST"}}]}'
)
_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
    + f"content-length: {len(_TIMEOUT_BODY)}\r\n".encode()
    + b"connection: close\r\n\r\n"
    + _TIMEOUT_BODY
)


class HeaderDeadlineHttpToolsProtocol(HttpToolsProtocol):
    header_timeout_s: float = 10.0
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def header_deadline_s(self) -> float:
        return self.header_timeout_s

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(
                self.header_deadline_s(), self._headers_timed_out
            )

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_timed_out(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            # Between requests (or before the first): nothing is being answered, so say why.
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()


class EnvironmentHeaderDeadlineProtocol(HeaderDeadlineHttpToolsProtocol):
    """The deadline from ``GATEWAY_HEADER_TIMEOUT_S``: worker processes receive their server
    settings pickled, and only a class importable by name survives that."""

    def header_deadline_s(self) -> float:
        return _environment_limits().header_timeout_s


@cache
def _environment_limits() -> ConnectionLimits:
    from gateway.settings import load_settings

    return load_settings().connections


def header_deadline_protocol(timeout_s: float) -> type[HeaderDeadlineHttpToolsProtocol]:
    return type(
        "HeaderDeadlineHttpToolsProtocol",
        (HeaderDeadlineHttpToolsProtocol,),
        {"header_timeout_s": timeout_s},
    )


def server_options(
    limits: ConnectionLimits, *, max_message_bytes: int, from_environment: bool = False
) -> dict[str, Any]:
    """uvicorn settings that bound what a client connection may hold; a WebSocket message
    may be as large as a request body (``max_message_bytes``); ``from_environment`` for
    servers that start worker processes (which read their settings from it)."""
    protocol = (
        EnvironmentHeaderDeadlineProtocol
        if from_environment
        else header_deadline_protocol(limits.header_timeout_s)
    )
    return {
        "http": protocol,
        # Beyond this many connections and tasks uvicorn answers 503 at once instead of queueing.
        "limit_concurrency": limits.max_connections,
        "ws": LeanWebSocketProtocol,
        "ws_max_size": max_message_bytes,
        # Clients learn nothing about the server software.
        "server_header": False,
    }
