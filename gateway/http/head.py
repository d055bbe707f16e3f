"""HEAD on the GraphQL endpoint: the status and headers GET would answer, without the body.

HTTP has HEAD mirror GET (RFC 9110, 9.3.2): link checkers, monitors and ``curl -I`` probe with
it, and a 405 to it says the endpoint does not exist for them. The request is answered as a GET
(a query runs as it would, a mutation is refused with 405, a browser gets the GraphiQL page's
headers) and only the body is held back. A streamed answer (a subscription over SSE) is complete
once its headers are out; from then on ASGI's ``receive`` reports the client gone, which ends
the stream as a disconnect does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import Message, Receive, Scope, Send

AnswerHTTP = Callable[[Scope, Receive, Send], Awaitable[None]]


async def answer_head(answer_get: AnswerHTTP, scope: Scope, receive: Receive, send: Send) -> None:
    """Answers the HEAD request ``scope`` with ``answer_get``'s answer to the same GET, less its
    body."""
    finished = False

    async def without_body(message: Message) -> None:
        nonlocal finished
        if finished:
            return
        if message["type"] == "http.response.body":
            finished = True
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    await answer_get({**scope, "method": "GET"}, receive, without_body)
