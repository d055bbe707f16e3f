"""Http1Transport against raw loopback servers that answer exactly what each test scripts."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvloop

from adapters.transport._http1 import Http1Transport

Answer = Callable[[bytes, asyncio.StreamWriter], Awaitable[bool]]


def ok(body: bytes = b"{}", *extra: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"Content-Length: %d" % len(body), *extra]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


@dataclass
class RawServer:
    """Reads whole requests (head + Content-Length body) and lets ``answer`` reply; ``answer``
    returns False to close the connection afterwards."""

    answer: Answer
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + (await reader.readexactly(length) if length else b"")
                self.requests.append(request)
                if not await self.answer(request, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def raw_server(
    answer: Answer, *, tls: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    server_state = RawServer(answer)
    server = await asyncio.start_server(server_state.handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    server_state.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        yield server_state
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), timeout=5)


def replying(*answers: bytes, keep_open: bool = True) -> Answer:
    """Answer each request with the next of ``answers`` (the last one repeats)."""
    queue = list(answers)

    async def answer(request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(queue.pop(0) if len(queue) > 1 else queue[0])
        await writer.drain()
        return keep_open

    return answer


def client(url: str, *, timeout: float = 5.0, **kwargs: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url,
        timeout=timeout,
        transport=Http1Transport(**kwargs),  # type: ignore[arg-type]
    )


async def test_sequential_requests_share_one_connection() -> None:
    async with raw_server(replying(ok(b'{"n": 1}'))) as server, client(server.url) as http:
        for _ in range(5):
            response = await http.get("/orders/A-1")
            assert response.status_code == 200
            assert response.json() == {"n": 1}
    assert server.connections == 1
    assert len(server.requests) == 5


async def test_the_request_goes_out_as_written() -> None:
    async with raw_server(replying(ok())) as server, client(server.url) as http:
        await http.post("/orders?mode=Add", content=b'{"id": "A-1"}', headers={"apikey": "k"})
    request = server.requests[0]
    head, _, body = request.partition(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    assert lines[0] == b"post /orders?mode=add http/1.1"
    assert b"apikey: k" in lines
    assert b"content-length: 13" in lines
    assert any(line.startswith(b"host: 127.0.0.1:") for line in lines)
    assert body == b'{"id": "A-1"}'


async def test_status_reason_and_headers_come_back() -> None:
    answer = b"HTTP/1.1 404 Not Here\r\nContent-Length: 2\r\nX-Trace: a\r\nX-Trace: b\r\n\r\n{}"
    async with raw_server(replying(answer)) as server, client(server.url) as http:
        response = await http.get("/missing")
    assert response.status_code == 404
    assert response.reason_phrase == "Not Here"
    assert response.headers.get_list("x-trace") == ["a", "b"]
    assert response.http_version == "HTTP/1.1"


async def test_a_chunked_answer_is_joined() -> None:
    answer = (
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n3\r\n 1}\r\n0\r\n\r\n'
    )
    async with raw_server(replying(answer)) as server, client(server.url) as http:
        first = await http.get("/")
        second = await http.get("/")
    assert first.json() == second.json() == {"a": 1}
    assert server.connections == 1


async def test_a_body_ended_by_closing_the_connection_is_read_whole() -> None:
    answer = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * 100_000
    async with raw_server(replying(answer, keep_open=False)) as server, client(server.url) as http:
        first = await http.get("/")
        second = await http.get("/")
    assert first.content == second.content == b"x" * 100_000
    assert server.connections == 2


async def test_connection_close_is_honoured() -> None:
    answer = ok(b"{}", b"Connection: close")
    async with raw_server(replying(answer, keep_open=False)) as server, client(server.url) as http:
        for _ in range(3):
            assert (await http.get("/")).status_code == 200
    assert server.connections == 3


async def test_an_idle_connection_the_server_closed_is_not_reused() -> None:
    async with raw_server(replying(ok(), keep_open=False)) as server, client(server.url) as http:
        assert (await http.get("/")).status_code == 200
        await asyncio.sleep(0.05)  # the server's FIN arrives while the connection is idle
        assert (await http.get("/")).status_code == 200
    assert server.connections == 2


async def test_idle_connections_expire() -> None:
    async with (
        raw_server(replying(ok())) as server,
        client(server.url, keepalive_expiry=0.05) as http,
    ):
        await http.get("/")
        await asyncio.sleep(0.1)
        await http.get("/")
    assert server.connections == 2


async def test_an_interim_answer_is_skipped() -> None:
    answer = b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b'{"final": true}')
    async with raw_server(replying(answer)) as server, client(server.url) as http:
        response = await http.post("/", content=b"{}")
    assert response.json() == {"final": True}


async def test_an_answer_to_head_has_no_body() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"
    async with raw_server(replying(answer)) as server, client(server.url) as http:
        response = await http.head("/")
        assert response.status_code == 200
        assert response.content == b""
        assert (await http.head("/")).status_code == 200


async def test_a_refused_connection_raises_connect_error() -> None:
    async with raw_server(replying(ok())) as server:
        url = server.url
    async with client(url) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/")


async def test_silence_raises_read_timeout_and_the_connection_is_dropped() -> None:
    async def silent(request: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(1)
        return False

    async with raw_server(silent) as server, client(server.url, timeout=0.1) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/")


async def test_a_slow_but_steady_answer_is_not_a_timeout() -> None:
    async def trickle(request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        for byte in b"abcde":
            await asyncio.sleep(0.06)
            writer.write(bytes([byte]))
            await writer.drain()
        return True

    async with raw_server(trickle) as server, client(server.url, timeout=0.15) as http:
        assert (await http.get("/")).content == b"abcde"


async def test_a_drop_before_any_answer_raises_remote_protocol_error() -> None:
    async def drop(request: bytes, writer: asyncio.StreamWriter) -> bool:
        return False

    async with raw_server(drop) as server, client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await http.get("/")


async def test_a_truncated_body_raises_remote_protocol_error() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10
    async with raw_server(replying(answer, keep_open=False)) as server, client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
            await http.get("/")


async def test_a_malformed_answer_raises_remote_protocol_error() -> None:
    async with raw_server(replying(b"SPDY/9 banana\r\n\r\n")) as server, client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="malformed"):
            await http.get("/")


async def test_header_line_breaks_are_refused_before_sending() -> None:
    async with raw_server(replying(ok())) as server, client(server.url) as http:
        with pytest.raises(httpx.LocalProtocolError):
            await http.get("/", headers={"x-note": "a\r\nx-admin: yes"})
    assert server.requests == []


async def test_at_the_limit_requests_wait_for_a_connection() -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.05)
        writer.write(ok())
        return True

    async with raw_server(slow) as server, client(server.url, max_connections=1) as http:
        answers = await asyncio.gather(*(http.get("/") for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert server.connections == 1


async def test_waiting_longer_than_the_pool_timeout_raises_pool_timeout() -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(0.5)
        writer.write(ok())
        return True

    timeout = httpx.Timeout(5.0, pool=0.05)
    async with (
        raw_server(slow) as server,
        httpx.AsyncClient(
            base_url=server.url, timeout=timeout, transport=Http1Transport(max_connections=1)
        ) as http,
    ):
        first = asyncio.create_task(http.get("/"))
        await asyncio.sleep(0.01)
        with pytest.raises(httpx.PoolTimeout):
            await http.get("/")
        assert (await first).status_code == 200
        assert (await http.get("/")).status_code == 200  # the slot was handed back


async def test_a_cancelled_request_gives_its_connection_slot_back() -> None:
    async def slow_once(request: bytes, writer: asyncio.StreamWriter) -> bool:
        if b"/slow" in request:
            await asyncio.sleep(5)
        writer.write(ok())
        return True

    async with raw_server(slow_once) as server, client(server.url, max_connections=1) as http:
        stuck = asyncio.create_task(http.get("/slow"))
        await asyncio.sleep(0.05)
        stuck.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stuck
        response = await asyncio.wait_for(http.get("/fast"), timeout=2)
    assert response.status_code == 200
    assert server.connections == 2  # the cancelled exchange's connection was not reused


def test_works_under_uvloop() -> None:
    async def scenario() -> int:
        async with raw_server(replying(ok(b'{"ok": 1}'))) as server, client(server.url) as http:
            for _ in range(3):
                assert (await http.get("/")).json() == {"ok": 1}
            return server.connections

    assert uvloop.run(scenario()) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


async def test_tls_with_a_verified_certificate(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    async with raw_server(replying(ok(b'{"tls": true}')), tls=server_tls) as server:
        trusted = Http1Transport(ssl_context=lambda: ssl.create_default_context(cafile=str(cert)))
        async with httpx.AsyncClient(base_url=server.url, timeout=5, transport=trusted) as http:
            assert (await http.get("/")).json() == {"tls": True}
            assert (await http.get("/")).json() == {"tls": True}
        assert server.connections == 1
        # The default context trusts public authorities only, not this certificate.
        async with client(server.url) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get("/")
