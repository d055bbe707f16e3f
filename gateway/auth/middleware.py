"""The authentication step every ``/graphql`` request passes, as ASGI middleware.

HTTP (plain requests and SSE): the ``Authorization`` header is checked (401 with
``WWW-Authenticate`` when missing or bad), the client's request budget is drawn (429 with
``Retry-After``), and a ``documentId`` is replaced by its trusted document. The GraphiQL page
itself (a GET without an operation) and CORS preflights need no credential: the page holds
nothing secret, and GraphiQL sends the developer's credential with each operation.

WebSocket: the credential arrives with ``connection_init`` and is checked by
``AccessControl.authenticate_ws``; this middleware closes the socket with 4403 once that
credential expires.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.principal import client_of, set_client
from gateway.auth.trusted import UNKNOWN_DOCUMENT, TrustedDocuments, document_id_of
from gateway.errors import ClientRateLimited, CredentialRefused, CredentialUncheckable
from gateway.http.refusal import send_refusal
from gateway.http.ws_hooks import FORBIDDEN_CLOSE_CODE

if TYPE_CHECKING:
    from gateway.auth.setup import AccessControl

GRAPHQL_PATH = "/graphql"
TOKEN_EXPIRED = "The token has expired"
_OPERATION_PARAMS = frozenset({"query", "documentId", "doc_id", "extensions"})


class AccessGate:
    """Holds the ``AccessControl`` the lifespan builds (it needs the running event loop)."""

    def __init__(self) -> None:
        self.control: AccessControl | None = None


class AccessMiddleware:
    def __init__(self, app: ASGIApp, *, gate: AccessGate, max_body_bytes: int) -> None:
        self.app = app
        self.gate = gate
        self.max_body_bytes = max_body_bytes

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Only the HTTP path awaits here: what is handed on (every WebSocket) keeps no frame
        # of this call for its lifetime.
        control = self.gate.control
        if control is None or scope["type"] not in ("http", "websocket"):
            return self.app(scope, receive, send)
        if scope["path"].rstrip("/") != GRAPHQL_PATH:
            return self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return self.app(scope, *_expiring(scope, receive, send))
        return self._http(control, scope, receive, send)

    async def _http(
        self, control: AccessControl, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if scope["method"] == "OPTIONS" or _is_ide_page(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            principal = await control.authenticator.authenticate(headers.get("authorization"))
        except CredentialRefused as refusal:
            challenge = control.authenticator.challenge(refusal)
            await _refuse(scope, send, 401, refusal.reason, refusal.code, challenge=challenge)
            return
        except CredentialUncheckable as exc:
            await _refuse(scope, send, 503, str(exc), exc.code, retry_after=5)
            return
        set_client(scope, principal)
        if control.limits is not None:
            client = scope.get("client")
            # Open access has one anonymous principal: its budget is per address instead.
            key = f"{principal.name}@{client[0]}" if principal.unrestricted and client else None
            retry_after = await control.limits.admit_request(principal, key)
            if retry_after is not None:
                message = f"Client {principal.name!r} sends too many requests; slow down"
                await _refuse(
                    scope, send, 429, message, ClientRateLimited.code, retry_after=retry_after
                )
                return
        if control.documents is not None:
            rewritten = await _with_trusted_document(
                control.documents, scope, receive, self.max_body_bytes
            )
            if isinstance(rewritten, str):
                await _refuse(scope, send, 400, rewritten, UNKNOWN_DOCUMENT)
                return
            scope, receive = rewritten
        if principal.expires_at is not None:
            receive, send = _sse_ending_at(principal.expires_at, receive, send)
        await self.app(scope, receive, send)


# HEAD is answered as GET is (``gateway.http.head``), and so is checked as GET is.
_GET_LIKE = ("GET", "HEAD")


def _is_ide_page(scope: Scope) -> bool:
    if scope["method"] not in _GET_LIKE:
        return False
    params = {name for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"))}
    return not params & _OPERATION_PARAMS


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    message: str,
    code: str,
    *,
    challenge: str | None = None,
    retry_after: int | None = None,
) -> None:
    headers: dict[str, str] = {}
    if challenge is not None:
        headers["WWW-Authenticate"] = challenge
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    extensions: dict[str, Any] = {"code": code}
    if retry_after is not None and code == ClientRateLimited.code:
        extensions["retryAfter"] = retry_after
    await send_refusal(scope, send, status, message, extensions, headers=headers)


# --- trusted documents --------------------------------------------------------------------------

Rewritten = tuple[Scope, Receive] | str


async def _with_trusted_document(
    documents: TrustedDocuments, scope: Scope, receive: Receive, max_body_bytes: int
) -> Rewritten:
    """The request with ``documentId`` replaced by its document, or the refusal's message."""
    if scope["method"] in _GET_LIKE:
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        found = dict(params)
        document_id = document_id_of(found)
        if document_id is None:
            return scope, receive
        query = documents.lookup(document_id)
        if query is None:
            return _unknown(document_id)
        kept = [(k, v) for k, v in params if k not in ("documentId", "doc_id", "query")]
        query_string = urlencode([*kept, ("query", query)]).encode("latin-1", "replace")
        return {**scope, "query_string": query_string}, receive
    content_type = Headers(scope=scope).get("content-type", "")
    if scope["method"] != "POST" or not content_type.startswith("application/json"):
        return scope, receive
    chunks, complete = await _read_body(receive, max_body_bytes)
    replay = _replay(chunks, receive, complete)
    if not complete:
        return scope, replay  # too large: the body limit answers it
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        return scope, replay  # the view answers bad JSON
    try:
        resolved = _resolve(documents, body)
    except LookupError as exc:
        return _unknown(exc.args[0])
    if resolved is body:
        return scope, replay
    encoded = orjson.dumps(resolved)
    headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
    headers.append((b"content-length", str(len(encoded)).encode()))
    return {**scope, "headers": headers}, _replay([encoded], receive, True)


def _unknown(document_id: object) -> str:
    shown = str(document_id)[:80]
    return f"Unknown documentId {shown!r}: it is not in the gateway's trusted documents"


def _resolve(documents: TrustedDocuments, body: object) -> object:
    if isinstance(body, list):
        items = [_resolve(documents, item) for item in body]
        changed = any(new is not old for new, old in zip(items, body, strict=True))
        return items if changed else body
    if not isinstance(body, dict) or "query" in body:
        return body
    document_id = document_id_of(body)
    if document_id is None:
        return body
    query = documents.lookup(document_id)
    if query is None:
        raise LookupError(document_id)
    rest = {k: v for k, v in body.items() if k not in ("documentId", "doc_id")}
    return {**rest, "query": query}


async def _read_body(receive: Receive, limit: int) -> tuple[list[bytes], bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return chunks, False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return chunks, True
        if size > limit:
            return chunks, False


def _replay(chunks: list[bytes], receive: Receive, complete: bool) -> Receive:
    pending = list(chunks)

    async def replayed() -> Message:
        if pending:
            chunk = pending.pop(0)
            more = bool(pending) or not complete
            return {"type": "http.request", "body": chunk, "more_body": more}
        return await receive()

    return replayed


# --- SSE credential expiry --------------------------------------------------------------------

_EXPIRED_EVENTS = (
    b'event: next\r\ndata: {"errors":[{"message":"The token has expired","extensions":'
    b'{"code":"UNAUTHENTICATED"}}]}\r\n\r\nevent: complete\r\ndata: \r\n\r\n'
)


def _sse_ending_at(expires_at: float, receive: Receive, send: Send) -> tuple[Receive, Send]:
    """``receive`` and ``send`` that end an event stream when the credential expires: an error
    event and ``complete`` to the client, a disconnect to the app (which ends the operation).

    Starlette's streaming response waits on ``receive`` for a disconnect while it streams, so
    the expiry is noticed there, once the request body has been read.
    """
    state = {"body_read": False, "streaming": False, "ended": False}

    async def receive_until_expiry() -> Message:
        if state["ended"]:
            return {"type": "http.disconnect"}
        if not state["body_read"]:
            message = await receive()
            state["body_read"] = message["type"] != "http.request" or not message.get(
                "more_body", False
            )
            return message
        remaining = expires_at - time.time()
        if remaining > 0:
            try:
                return await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                pass
        if not state["streaming"]:
            return await receive()  # a plain answer is on its way: let it finish
        state["ended"] = True
        await send({"type": "http.response.body", "body": _EXPIRED_EVENTS, "more_body": False})
        return {"type": "http.disconnect"}

    async def send_until_ended(message: Message) -> None:
        if state["ended"]:
            return
        if message["type"] == "http.response.start":
            content_type = dict(message.get("headers", ())).get(b"content-type", b"")
            state["streaming"] = content_type.startswith(b"text/event-stream")
        await send(message)

    return receive_until_expiry, send_until_ended


# --- WebSocket credential expiry -------------------------------------------------------------


def _expiring(scope: Scope, receive: Receive, send: Send) -> tuple[Receive, Send]:
    """``receive`` and ``send`` that end the connection (4403 to the client, a disconnect to
    the app) when the credential checked at ``connection_init`` expires."""
    closed: list[bool] = []

    async def receive_until_expiry() -> Message:
        if closed:
            return {"type": "websocket.disconnect", "code": FORBIDDEN_CLOSE_CODE}
        principal = client_of(scope.get("state"))
        expires_at = principal.expires_at if principal is not None else None
        if expires_at is None:
            return await receive()
        remaining = expires_at - time.time()
        if remaining > 0:
            try:
                return await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                pass
        closed.append(True)
        await send(
            {"type": "websocket.close", "code": FORBIDDEN_CLOSE_CODE, "reason": TOKEN_EXPIRED}
        )
        return {"type": "websocket.disconnect", "code": FORBIDDEN_CLOSE_CODE}

    async def send_until_closed(message: Message) -> None:
        if not closed:  # after the expiry close, the app's last words go nowhere
            await send(message)

    return receive_until_expiry, send_until_closed
