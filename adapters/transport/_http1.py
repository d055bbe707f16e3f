"""``Http1Transport``: HTTP/1.1 for httpx over asyncio protocols and the httptools parser.

httpx's default transport (httpcore on anyio, with the pure-Python h11 parser) spends about
0.8 ms of CPU on one small request, most of what a gateway read may cost. This transport keeps
httpx as the client (URLs, headers, cookies, content decoding, the exception hierarchy) and
moves the bytes with an ``asyncio.Protocol`` and httptools, the C parser uvicorn uses:
about 0.1 ms.

Its scope is what a vendor client needs: plain and TLS connections, keep-alive pooling per
origin under a connection limit, connect/read/write/pool timeouts, bodies sent as bytes and
answers read whole. No proxies (``VendorTransport`` keeps httpx's own transport when the
environment names one), no HTTP/2, no upgrades, no streaming. Every failure raises the httpx
exception httpx's own transport raises for it, so callers judge both the same way.

Why not an existing transport such as httpx-aiohttp's: whether a write may be sent again
hangs on telling "never reached the vendor" (connect failure) from "sent, answer lost" (a
drop after sending), and that one maps every aiohttp connection error, a server disconnect
included, to ``httpx.ConnectTimeout`` — which would make a lost create look safe to resend.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections import deque
from collections.abc import Callable
from typing import cast

import httpx
from httptools import HttpParserError, HttpResponseParser

# httpx's default: an idle connection older than this is closed rather than reused, well
# before a typical server (uvicorn: 5 s, nginx: 75 s) might close it under our feet.
KEEPALIVE_EXPIRY_S = 5.0
_DEFAULT_PORTS = {b"http": 80, b"https": 443}

Origin = tuple[bytes, str, int]


class _Connection(asyncio.Protocol):
    """One socket, one request at a time; the parser's callbacks fill in the current answer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self._paused: asyncio.Future[None] | None = None
        self._writing_paused = False
        self._answer: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._read_timeout: float | None = None
        self._last_read = 0.0
        self._head_only = False
        self.reset()

    def reset(self) -> None:
        self.status = 0
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.received = False
        self.headers_done = False
        self.delimited = False  # Content-Length or chunked: the parser knows where it ends
        self.keep_alive = False
        self.http_version = b"HTTP/1.1"
        self.complete = False

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():
            # Bytes nobody asked for (or after the answer): the connection's state is unknown.
            self.close()
            return
        self.received = True
        self._last_read = self.loop.time()
        try:
            self.parser.feed_data(data)
        except HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed answer from the server: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._cancel_timer()
        if self._paused is not None and not self._paused.done():
            self._paused.set_result(None)
        if self._answer is None or self._answer.done():
            return
        if self.headers_done and not self.delimited and exc is None:
            self._finish()  # a body delimited by the end of the connection
        elif exc is not None:
            self._fail(httpx.ReadError(str(exc) or type(exc).__name__))
        elif self.received:
            self._fail(
                httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            )
        else:
            self._fail(httpx.RemoteProtocolError("Server disconnected without sending a response."))

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._paused is not None and not self._paused.done():
            self._paused.set_result(None)

    # -- httptools callbacks --------------------------------------------------------------

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length" or lowered == b"transfer-encoding":
            self.delimited = True

    def on_headers_complete(self) -> None:
        # The parser forgets these once the message is complete.
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        self.http_version = b"HTTP/" + self.parser.get_http_version().encode("ascii")
        self.headers_done = True
        if self._head_only and self.status >= 200:
            # No body follows an answer to HEAD, whatever its Content-Length says; the
            # parser cannot know, so the connection is not reused (see ``reusable``).
            self._finish()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200:
            self.reset()  # an interim answer (100 Continue): the real one follows
            return
        self._finish()

    # -- one exchange ---------------------------------------------------------------------

    async def exchange(
        self,
        data: bytes,
        *,
        head_only: bool,
        read_timeout: float | None,
        write_timeout: float | None,
    ) -> None:
        """Send ``data`` (head and body) and wait until the whole answer is in."""
        assert self.transport is not None
        self.reset()
        self._head_only = head_only
        answer = self._answer = self.loop.create_future()
        self.transport.write(data)
        if self._writing_paused and not self.closed:
            await self._drained(write_timeout)
        self._read_timeout = read_timeout
        self._last_read = self.loop.time()
        if read_timeout is not None and not answer.done():
            self._timer = self.loop.call_later(read_timeout, self._check_read_timeout)
        try:
            await answer
        finally:
            self._cancel_timer()
            self._answer = None

    @property
    def reusable(self) -> bool:
        return not self.closed and not self._head_only and self.delimited and self.keep_alive

    async def _drained(self, timeout: float | None) -> None:
        self._paused = self.loop.create_future()
        try:
            async with asyncio.timeout(timeout):
                await self._paused
        except TimeoutError:
            raise httpx.WriteTimeout("timed out sending the request") from None
        finally:
            self._paused = None

    def _check_read_timeout(self) -> None:
        # One timer per exchange, moved forward instead of re-armed on every chunk read.
        self._timer = None
        if self._read_timeout is None or self._answer is None or self._answer.done():
            return
        idle = self.loop.time() - self._last_read
        if idle >= self._read_timeout:
            self._fail(httpx.ReadTimeout("timed out waiting for the server's answer"))
            self.close()
        else:
            self._timer = self.loop.call_later(self._read_timeout - idle, self._check_read_timeout)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _finish(self) -> None:
        self.complete = True
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(None)

    def _fail(self, exc: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(exc)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Http1Transport(httpx.AsyncBaseTransport):
    """A pool of keep-alive HTTP/1.1 connections per origin, at most ``max_connections`` busy
    or idle at once (like httpx's ``Limits(max_connections=...)``)."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        keepalive_expiry: float = KEEPALIVE_EXPIRY_S,
        ssl_context: Callable[[], ssl.SSLContext] | None = None,
    ) -> None:
        self._max = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._make_ssl_context = ssl_context or _default_ssl_context
        self._ssl_context: ssl.SSLContext | None = None
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open = 0  # connections counted against the limit: busy or idle
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        scheme = url.raw_scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(
                f"Request URL has an unsupported protocol '{url.scheme}://'."
            )
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        data = await _serialise(request)
        origin: Origin = (scheme, url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[scheme])
        connection = await self._acquire(origin, timeouts)
        try:
            await connection.exchange(
                data,
                head_only=request.method == "HEAD",
                read_timeout=timeouts.get("read"),
                write_timeout=timeouts.get("write"),
            )
        except BaseException:
            # Cancelled, timed out or broken mid-exchange: the connection's state is unknown.
            self._discard(connection)
            raise
        response = httpx.Response(
            connection.status,
            headers=connection.headers,
            stream=httpx.ByteStream(b"".join(connection.body)),
            extensions={
                "http_version": connection.http_version,
                "reason_phrase": connection.reason,
            },
            request=request,
        )
        if connection.reusable and not self._closed:
            connection.idle_since = connection.loop.time()
            self._idle.setdefault(origin, []).append(connection)
            self._notify()
        else:
            self._discard(connection)
        return response

    async def aclose(self) -> None:
        self._closed = True
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
                self._open -= 1
        self._idle.clear()

    # -- the pool -------------------------------------------------------------------------

    async def _acquire(self, origin: Origin, timeouts: dict[str, float | None]) -> _Connection:
        connection = self._checkout(origin)
        if connection is not None:
            return connection
        if not self._take_slot():
            connection = await self._wait(origin, timeouts.get("pool"))
            if connection is not None:
                return connection
        try:
            return await self._connect(origin, timeouts.get("connect"))
        except BaseException:
            self._release()
            raise

    def _checkout(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        loop = asyncio.get_running_loop()
        while idle:
            connection = idle.pop()  # the most recently used: the least likely to be stale
            if (
                connection.closed
                or connection.loop is not loop
                or loop.time() - connection.idle_since > self._keepalive_expiry
            ):
                self._discard(connection)
                continue
            return connection
        return None

    def _take_slot(self) -> bool:
        if self._open < self._max:
            self._open += 1
            return True
        # At the limit, an idle connection to another origin gives its slot up.
        for connections in self._idle.values():
            if connections:
                connections.pop(0).close()
                return True
        return False

    async def _wait(self, origin: Origin, timeout: float | None) -> _Connection | None:
        """Wait for a connection to come back or a slot to free up: the connection, or
        ``None`` when a slot was taken for a new one."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    waiter: asyncio.Future[None] = loop.create_future()
                    self._waiters.append(waiter)
                    try:
                        await waiter
                    except BaseException:
                        if waiter.done() and not waiter.cancelled():
                            self._notify()  # woken as the wait ended: wake the next one
                        else:
                            waiter.cancel()
                        raise
                    connection = self._checkout(origin)
                    if connection is not None:
                        return connection
                    if self._take_slot():
                        return None
        except TimeoutError:
            raise httpx.PoolTimeout("no free connection within the pool timeout") from None

    def _notify(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._release()

    def _release(self) -> None:
        self._open -= 1
        self._notify()

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        tls: ssl.SSLContext | None = None
        if scheme == b"https":
            if self._ssl_context is None:
                self._ssl_context = self._make_ssl_context()
            tls = self._ssl_context
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop),
                    host,
                    port,
                    ssl=tls,
                    server_hostname=host if tls is not None else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"no connection to {host}:{port} within {timeout} s"
            ) from None
        except OSError as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from None
        return connection


def proxy_in_environment() -> bool:
    """True when the environment names a proxy, which httpx's own transport would use."""
    return any(scheme != "no" for scheme in urllib.request.getproxies_environment())


def _default_ssl_context() -> ssl.SSLContext:
    context = httpx.create_ssl_context()
    # This transport speaks HTTP/1.1 only; a server must not pick h2 during the handshake.
    context.set_alpn_protocols(["http/1.1"])
    return context


async def _serialise(request: httpx.Request) -> bytes:
    """The request head and body as one buffer (one write, one syscall for a small request)."""
    try:
        body = request.content
    except httpx.RequestNotRead:
        body = await request.aread()
    raw = request.headers.raw
    parts = [request.method.encode("ascii"), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    for name, value in raw:
        parts += (name, b": ", value, b"\r\n")
    parts.append(b"\r\n")
    head = b"".join(parts)
    # One line per header plus the request line and the blank line: a CR, LF or NUL inside a
    # name or value would let it forge headers of its own.
    lines = len(raw) + 2
    if head.count(b"\n") != lines or head.count(b"\r") != lines or b"\0" in head:
        raise httpx.LocalProtocolError("Illegal header value: line breaks are not allowed")
    if request.headers.get("transfer-encoding", "").lower() == "chunked":
        tail = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
        return head + tail
    return head + body
