"""The lean WebSocket protocol: messages in order, back-pressure, the handshake let go, and the
uvicorn internals it relies on pinned."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.asyncio.client import connect
from websockets.server import ServerProtocol

from gateway.http.ping_clock import ping_clock
from gateway.http.ws_protocol import LeanWebSocketProtocol, ReadyFlag, ReceiveQueue
from tests.support.observe import PATIENCE_S, until_sync
from tests.support.servers import LoopbackServer, serve

BIG_MESSAGE = "x" * 65_536


async def _echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Echoes text; ``flood N`` answers with N big messages; ``inspect`` answers with what
    the connection's protocol still holds; ``pings`` whether it has a ping timer of its own
    and whether a ping of its has been answered."""
    if scope["type"] != "websocket":
        return
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    # uvicorn hands the app its protocol's bound methods.
    protocol: Any = getattr(receive, "__self__", None)
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text") or ""
        if text.startswith("flood "):
            for _ in range(int(text.split()[1])):
                await send({"type": "websocket.send", "text": BIG_MESSAGE})
        elif text == "inspect":
            held = (
                type(protocol).__name__,
                type(protocol.queue).__name__,
                type(protocol.writable).__name__,
                protocol.request is None,
                protocol.response is None,
            )
            await send({"type": "websocket.send", "text": repr(held)})
        elif text == "pings":
            pinged = (protocol.ping_timer is None, protocol.last_ping_rtt > 0)
            await send({"type": "websocket.send", "text": repr(pinged)})
        else:
            await send({"type": "websocket.send", "text": text})


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with serve(_echo_app, ws=LeanWebSocketProtocol) as running:
        yield running


def _ws_url(server: LoopbackServer) -> str:
    return server.url.replace("http://", "ws://", 1) + "/"


async def test_a_burst_of_messages_is_received_in_order(server: LoopbackServer) -> None:
    async with asyncio.timeout(10), connect(_ws_url(server)) as ws:
        for n in range(200):
            await ws.send(f"m{n}")
        assert [await ws.recv() for _ in range(200)] == [f"m{n}" for n in range(200)]


async def test_a_slow_reader_gets_every_message_once_it_reads(server: LoopbackServer) -> None:
    # 200 messages of 64 KB fill the socket buffers: the server's sends wait on the
    # back-pressure flag until the client reads again.
    async with (
        asyncio.timeout(30),
        connect(_ws_url(server), max_queue=1, max_size=2**20) as ws,
    ):
        await ws.send("flood 200")
        await asyncio.sleep(0.5)
        received = [await ws.recv() for _ in range(200)]
        assert received == [BIG_MESSAGE] * 200
        await ws.send("still there")
        assert await ws.recv() == "still there"


async def test_after_the_handshake_the_connection_keeps_no_handshake(
    server: LoopbackServer,
) -> None:
    async with asyncio.timeout(10), connect(_ws_url(server)) as ws:
        await ws.send("inspect")
        assert await ws.recv() == repr(
            ("LeanWebSocketProtocol", "ReceiveQueue", "ReadyFlag", True, True)
        )


async def test_pings_go_out_every_interval_without_a_timer_per_connection() -> None:
    # An interval a busy machine cannot outrun between the handshake and the first question.
    with serve(_echo_app, ws=LeanWebSocketProtocol, ws_ping_interval=1.0) as pinging:
        async with asyncio.timeout(PATIENCE_S), connect(_ws_url(pinging)) as ws:
            await ws.send("pings")
            assert await ws.recv() == repr((True, False))
            # The client answers the server's pings by itself: ask until one came back.
            while True:
                await ws.send("pings")
                pinged = await ws.recv()
                assert pinged in {repr((True, False)), repr((True, True))}
                if pinged == repr((True, True)):
                    break
                await asyncio.sleep(0.05)


async def test_a_closed_connection_leaves_the_ping_clock() -> None:
    with serve(_echo_app, ws=LeanWebSocketProtocol, ws_ping_interval=0.1) as pinging:
        async with asyncio.timeout(10):
            for _ in range(3):
                async with connect(_ws_url(pinging)) as ws:
                    await ws.send("hello")
                    assert await ws.recv() == "hello"
        loop = pinging.loop
        assert loop is not None
        # The server notices each close in its own time: wait until it has left the clock.
        until_sync(lambda: len(ping_clock(loop, 0.1)) == 0, "closed connections off the clock")


def _methods_called_on(attribute: str) -> set[str]:
    source = inspect.getsource(WebSocketsSansIOProtocol)
    return set(re.findall(rf"self\.{attribute}\.(\w+)", source))


def test_uvicorn_asks_of_its_queue_and_flag_only_what_the_lean_ones_offer() -> None:
    """Pins the uvicorn internals the protocol replaces: a release that calls anything else
    on them fails here, not in production."""
    queue_calls = _methods_called_on("queue")
    flag_calls = _methods_called_on("writable")
    assert queue_calls and flag_calls, "uvicorn no longer names self.queue / self.writable"
    assert queue_calls <= {name for name in dir(ReceiveQueue) if not name.startswith("_")}
    assert flag_calls <= {name for name in dir(ReadyFlag) if not name.startswith("_")}
    init = inspect.getsource(WebSocketsSansIOProtocol.__init__)
    assert "self.queue" in init and "self.writable" in init
    handshake = inspect.getsource(WebSocketsSansIOProtocol)
    assert "self.request = event" in handshake and "self.response = " in handshake
    # Pings: armed by schedule_ping (from start_keepalive and after each pong), disarmed by
    # stop_keepalive (on close and shutdown), sent by send_keepalive_ping.
    assert "self.schedule_ping()" in inspect.getsource(WebSocketsSansIOProtocol.start_keepalive)
    assert "self.schedule_ping()" in inspect.getsource(WebSocketsSansIOProtocol.handle_pong)
    assert "self.ping_timer = self.loop.call_later(" in inspect.getsource(
        WebSocketsSansIOProtocol.schedule_ping
    )
    for closing in (WebSocketsSansIOProtocol.connection_lost, WebSocketsSansIOProtocol.shutdown):
        assert "self.stop_keepalive()" in inspect.getsource(closing)
    # The websockets parser keeps the request: only emptying its headers lets them go.
    assert "request = yield from Request.parse(" in inspect.getsource(ServerProtocol.parse)


async def test_a_cleared_flag_holds_waiters_until_set() -> None:
    flag = ReadyFlag()
    waiter = asyncio.create_task(flag.wait())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    flag.set()
    assert await asyncio.wait_for(waiter, timeout=2) is True
    flag.clear()
    assert not flag.is_set()
    again = asyncio.create_task(flag.wait())
    await asyncio.sleep(0.01)
    assert not again.done()
    flag.set()
    assert await asyncio.wait_for(again, timeout=2) is True


async def test_the_receive_queue_is_first_in_first_out() -> None:
    queue = ReceiveQueue()
    assert queue.empty()
    reader = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait({"type": "websocket.connect"})
    queue.put_nowait({"type": "websocket.receive", "text": "a"})
    assert await asyncio.wait_for(reader, timeout=2) == {"type": "websocket.connect"}
    assert queue.qsize() == 1 and not queue.empty()
    assert await queue.get() == {"type": "websocket.receive", "text": "a"}
    assert queue.empty()
