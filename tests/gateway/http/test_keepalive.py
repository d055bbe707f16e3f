"""Idle subscriptions stay alive: the server pings on every transport."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from websockets.asyncio.client import connect

from gateway.http.keepalive import KeepAliveClock, keepalive_clock
from tests.support.gateway import GatewayHandle, sandbox_gateway
from tests.support.subscription_clients import on_gateway_loop

KEEPALIVE_S = 0.2
# A live tail of the integration log: stays open and silent while nothing is logged.
IDLE_SUBSCRIPTION = "subscription { integrationLog { id message } }"


async def _lasting_tasks() -> int:
    """The gateway loop's tasks, but for this count's own and a keep-alive being sent at
    this very moment (a task that ends with its send)."""
    current = asyncio.current_task()
    return sum(
        1
        for task in asyncio.all_tasks()
        if task is not current and "_send_once" not in repr(task.get_coro())
    )


def gateway_task_count(gw: GatewayHandle) -> int:
    return on_gateway_loop(gw, _lasting_tasks())


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway(ws_keepalive_s=KEEPALIVE_S) as handle:
        yield handle


async def test_graphql_transport_ws_server_pings_an_idle_connection(gw: GatewayHandle) -> None:
    async with asyncio.timeout(10), connect(gw.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": IDLE_SUBSCRIPTION}})
        )
        pings = 0
        while pings < 2:
            frame = await ws.recv()
            assert isinstance(frame, str), "GraphQL WebSocket messages travel as text frames"
            message = json.loads(frame)
            assert message["type"] == "ping"
            pings += 1
            await ws.send(json.dumps({"type": "pong"}))


async def test_graphql_ws_sends_keep_alive_messages(gw: GatewayHandle) -> None:
    async with asyncio.timeout(10), connect(gw.ws_url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "start", "payload": {"query": IDLE_SUBSCRIPTION}})
        )
        kinds = [json.loads(await ws.recv())["type"] for _ in range(3)]
        assert kinds == ["ka", "ka", "ka"]


def test_sse_sends_heartbeats_on_an_idle_stream(gw: GatewayHandle) -> None:
    with httpx.stream(
        "POST",
        gw.graphql_url,
        json={"query": IDLE_SUBSCRIPTION},
        headers={"accept": "text/event-stream"},
        timeout=10,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        heartbeats = 0
        for line in response.iter_lines():
            if line.startswith(":"):
                heartbeats += 1
                if heartbeats == 2:
                    break
            else:
                assert line == "", f"an idle stream carried data: {line!r}"
    assert heartbeats == 2


async def test_no_ping_before_the_connection_is_acknowledged(gw: GatewayHandle) -> None:
    async with connect(gw.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(KEEPALIVE_S * 4):
                await ws.recv()


@pytest.mark.parametrize(
    ("subprotocol", "start"), [("graphql-ws", "start"), ("graphql-transport-ws", "subscribe")]
)
async def test_an_idle_subscriber_runs_no_task_for_its_keep_alives(
    gw: GatewayHandle, subprotocol: str, start: str
) -> None:
    """Two tasks per idle subscriber, whatever the protocol: its connection's and its
    operation's; keep-alives come from a timer."""
    connections = 5
    before = gateway_task_count(gw)
    async with asyncio.timeout(10), contextlib.AsyncExitStack() as stack:
        for _ in range(connections):
            ws = await stack.enter_async_context(connect(gw.ws_url, subprotocols=[subprotocol]))  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps({"id": "1", "type": start, "payload": {"query": IDLE_SUBSCRIPTION}})
            )
            assert json.loads(await ws.recv())["type"] in {"ka", "ping"}
        # The operations start as their messages are read: wait for them, then count.
        while gateway_task_count(gw) - before < 2 * connections:
            await asyncio.sleep(0.02)
        await asyncio.sleep(KEEPALIVE_S * 2)  # keep-alives sent meanwhile start no task
        assert gateway_task_count(gw) - before == 2 * connections


async def test_an_idle_sse_subscriber_runs_no_task_for_its_heartbeats(gw: GatewayHandle) -> None:
    """Two tasks per idle SSE subscriber: its request's, which streams its operation, and
    the one waiting for the client to leave; heartbeats come from a timer."""
    streams = 3
    readers: list[AsyncIterator[str]] = []
    before = gateway_task_count(gw)
    async with (
        asyncio.timeout(10),
        httpx.AsyncClient(timeout=10) as client,
        contextlib.AsyncExitStack() as stack,
    ):
        for _ in range(streams):
            response = await stack.enter_async_context(
                client.stream(
                    "POST",
                    gw.graphql_url,
                    json={"query": IDLE_SUBSCRIPTION},
                    headers={"accept": "text/event-stream"},
                )
            )
            assert response.status_code == 200
            # Kept: a line iterator that is collected closes its response.
            readers.append(response.aiter_lines())
            while not (await anext(readers[-1])).startswith(":"):
                pass  # until the first heartbeat: the stream is running
        assert gateway_task_count(gw) - before == 2 * streams


async def test_one_clock_keeps_every_registered_connection_alive() -> None:
    clock = KeepAliveClock(0.01)
    sent: dict[str, int] = {"a": 0, "b": 0, "broken": 0}
    both_twice = asyncio.Event()

    def sender(name: str) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            sent[name] += 1
            if name == "broken":
                raise ConnectionError("the socket is gone")
            if sent["a"] >= 2 and sent["b"] >= 2:
                both_twice.set()

        return send

    for name in sent:
        clock.register(name, sender(name))
    await asyncio.wait_for(both_twice.wait(), timeout=5)
    assert sent["broken"] == 1, "a connection whose send failed is dropped"
    await clock.unregister("a")
    after = sent["a"]
    target = sent["b"] + 2
    while sent["b"] < target:
        await asyncio.sleep(0.01)
    assert sent["a"] == after
    await clock.unregister("b")


async def test_each_event_loop_and_interval_has_its_own_clock() -> None:
    assert keepalive_clock(0.5) is keepalive_clock(0.5)
    assert keepalive_clock(0.5) is not keepalive_clock(0.25)
