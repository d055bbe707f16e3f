"""A forward HTTP proxy on loopback, so the vendor transport's failure tests also run proxied.

It does what an operator's proxy does for the cases the gateway meets: an ``http://`` request in
absolute form is sent on to its origin, a ``CONNECT host:port`` opens a tunnel (how ``https://``
vendors are reached), and when the origin cannot be reached it answers ``502 Bad Gateway`` as
nginx and most proxies do. One upstream connection serves one client connection; after the first
request head the bytes are piped both ways unchanged, drops included.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

_HEAD_LIMIT = 64 * 1024
_BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class LoopbackProxy:
    """The proxy, on 127.0.0.1 in a thread of its own; ``requests`` lists each first request
    line it forwarded or tunnelled, so a test can prove its traffic went through it."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LoopbackProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("test proxy did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.run_until_complete(asyncio.sleep(0))
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        if len(head) > _HEAD_LIMIT:
            writer.close()
            return
        request_line, _, rest = head.partition(b"\r\n")
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        self.requests.append(f"{method} {target}")
        tunnel = method == "CONNECT"
        if tunnel:
            host, _, port_text = target.rpartition(":")
            port = int(port_text)
            forward = b""
        else:
            parts = urlsplit(target)
            host, port = parts.hostname or "", parts.port or 80
            origin_form = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            forward = f"{method} {origin_form} {version}\r\n".encode("latin-1") + rest
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.write(_BAD_GATEWAY)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            writer.close()
            return
        if tunnel:
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_writer.write(forward)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy until either side ends, then close the sink, so a drop on one side reaches the
    other as a drop."""
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        sink.close()


@contextmanager
def proxy() -> Iterator[LoopbackProxy]:
    running = LoopbackProxy().start()
    try:
        yield running
    finally:
        running.stop()


@dataclass(frozen=True)
class VendorRoute:
    """How the vendor transport reaches the vendor in one run of a test."""

    name: str
    proxy: LoopbackProxy | None = None


_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(params=["direct", "proxied"])
def vendor_route(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[VendorRoute]:
    """Every way an operator can configure the transport: straight to the vendor, or through
    a forward proxy named in the environment (``HTTP_PROXY``/``HTTPS_PROXY``)."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    if request.param == "direct":
        yield VendorRoute("direct")
        return
    with proxy() as running:
        monkeypatch.setenv("HTTP_PROXY", running.url)
        monkeypatch.setenv("HTTPS_PROXY", running.url)
        yield VendorRoute("proxied", running)
