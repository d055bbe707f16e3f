"""A request's vendor calls leave the queue when its client goes away, over real HTTP."""

from __future__ import annotations

import threading

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from adapters.transport import current_deadline
from gateway.http.vendor_deadline import VendorDeadlineMiddleware
from tests.support.servers import serve


class QueuedCall:
    """An app whose request reads its body (if any), then has a vendor call queue until the
    request gives up, and answers what it read."""

    def __init__(self) -> None:
        self.queued = threading.Event()
        self.given_up = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        if scope["method"] == "POST":
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
        deadline = current_deadline()
        assert deadline is not None
        self.queued.set()
        await deadline.gave_up_signal()  # what a queued vendor call waits on besides its turn
        if deadline.given_up:
            self.given_up.set()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_client_that_goes_away_gives_its_queued_calls_up(method: str) -> None:
    app = QueuedCall()
    with serve(VendorDeadlineMiddleware(app, queue_s=60.0)) as server:
        with httpx.Client(timeout=httpx.Timeout(10.0, read=0.5)) as client:
            content = b"{}" if method == "POST" else None
            with pytest.raises(httpx.ReadTimeout):  # the client stops waiting and hangs up
                client.request(method, f"{server.url}/graphql", content=content)
        assert app.queued.is_set()
        # Guards against a hang only: the request must end given up, not by its deadline.
        assert app.given_up.wait(30)


def test_the_app_still_reads_the_body_it_was_sent() -> None:
    async def echo(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        message = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": message.get("body", b"")})

    with serve(VendorDeadlineMiddleware(echo, queue_s=60.0)) as server:
        answer = httpx.post(f"{server.url}/graphql", content=b"query", timeout=10.0)
    assert answer.content == b"query"


def test_a_request_without_a_body_still_reads_its_empty_body_once_watched() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        deadline = current_deadline()
        assert deadline is not None
        deadline.gave_up_signal()  # a call queued: the disconnect watch starts
        message = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": message["type"].encode()})

    with serve(VendorDeadlineMiddleware(app, queue_s=60.0)) as server:
        answer = httpx.get(f"{server.url}/graphql", timeout=10.0)
    assert answer.content == b"http.request"
