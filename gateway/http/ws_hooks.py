"""WebSocket connection hooks for the GraphQL view: authenticate clients at ``connection_init``.

``WebSocketHooks`` is a mixin for Strawberry's ASGI view (list it before the view class). By
default every connection is accepted; set ``ws_authenticator`` to check each one. The
authenticator sees the ``connection_init`` payload and the handshake headers; it returns an
optional acknowledgement payload, or raises ``WebSocketRejected`` with a reason the client is
shown:

* graphql-transport-ws: the socket closes with code 4403 and that reason;
* graphql-ws (legacy): a ``connection_error`` carrying ``{"message": reason}``, then the socket
  closes with code 1011 and that reason.

Strawberry itself closes a rejected graphql-transport-ws connection with the fixed reason
"Forbidden". The reason is put back at the socket: Strawberry runs a connection's message loop
and its ``on_ws_connect`` in one task, so the rejection found there reaches the socket's
``close`` through a context variable.

The mixin's socket adapter also sends every message as a text frame, as both GraphQL WebSocket
protocols require, whatever type the view's JSON encoder returns.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from json import JSONDecodeError
from typing import Any

from starlette.datastructures import Headers
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.http.exceptions import NonTextMessageReceived, WebSocketDisconnected
from strawberry.types.unset import UNSET, UnsetType

from gateway.errors import WebSocketRejected, fit_close_reason
from gateway.http.request_body import clip_error_messages
from gateway.http.ws_messages import INVALID_MESSAGE_CLOSE_CODE, invalid_message

logger = logging.getLogger(__name__)

FORBIDDEN_CLOSE_CODE = 4403
_REJECTION_CLOSE_CODES = frozenset({FORBIDDEN_CLOSE_CODE, 1011})
AUTHENTICATOR_FAILED = "Authentication could not be checked; try again later"
_NO_ACK_PAYLOAD: UnsetType = UNSET


@dataclass(frozen=True, slots=True)
class WsConnection:
    """What an authenticator may look at: the ``connection_init`` payload (``params``), the
    handshake's headers (lower-case names) and the client's address; ``state`` is the
    connection's ASGI state, where the authenticator may leave who the client is."""

    params: Mapping[str, object]
    headers: Mapping[str, str]
    client: str | None = None
    state: dict[str, Any] | None = None


WsAuthenticator = Callable[[WsConnection], Awaitable[Mapping[str, object] | None]]


@dataclass(slots=True)
class _ConnectionState:
    # The handshake's own headers, copied into a dict only if an authenticator asks: an idle
    # subscriber should not carry a second copy of them. Once the connection is acknowledged
    # the ASGI scope's list of them is emptied: nothing reads them after ``connection_init``,
    # and the connection may last for hours.
    handshake_headers: Headers
    scope_headers: list[tuple[bytes, bytes]]
    client: str | None
    scope_state: dict[str, Any]
    params: Mapping[str, object] = field(default_factory=dict)
    rejection: str | None = None


_CONNECTION: ContextVar[_ConnectionState | None] = ContextVar("gateway_ws_connection", default=None)


class HookedWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's socket adapter, remembering the connection's handshake and init payload
    so that ``on_ws_connect`` can hand them to the authenticator."""

    def __init__(
        self,
        view: AsyncBaseHTTPView[Any, Any, Any, Any, Any, Any, Any],
        request: WebSocket,
        response: WebSocket,
    ) -> None:
        super().__init__(view, request, response)
        client = request.client
        # Starlette's WebSocket.headers makes its copy of the list the scope's own list.
        handshake_headers = request.headers
        self.connection = _ConnectionState(
            handshake_headers=handshake_headers,
            scope_headers=request.scope["headers"],
            client=f"{client.host}:{client.port}" if client else None,
            scope_state=request.scope.setdefault("state", {}),
        )
        _CONNECTION.set(self.connection)

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        # Unreadable frames close the socket on both protocols (the legacy handler would
        # skip them), as does any message of the wrong shape. The socket is read here, not
        # through Strawberry's own iter_json: one generator (and its frame) per connection
        # instead of two, for as long as the connection lives.
        socket = self.ws
        try:
            while socket.application_state != WebSocketState.DISCONNECTED:
                text = await socket.receive_text()
                try:
                    message = self.view.decode_json(text)
                except JSONDecodeError:
                    await self.close(
                        INVALID_MESSAGE_CLOSE_CODE, "WebSocket message must be valid JSON"
                    )
                    return
                problem = invalid_message(message)
                if problem is not None:
                    await self.close(INVALID_MESSAGE_CLOSE_CODE, problem)
                    return
                assert isinstance(message, dict)
                if message.get("type") == "connection_init":
                    payload = message.get("payload")
                    self.connection.params = payload if isinstance(payload, dict) else {}
                yield message
                # The handler asks for the next message once it has handled this one, and
                # both read loops (this one and the handler's) idle with their last message
                # for as long as the connection lives: a whole subscribe, query and all.
                # What the handler keeps of it (query, variables, init payload) it keeps
                # by reference, not through this dict.
                message.clear()
                del text, message
        except KeyError as exc:  # a binary frame: Starlette's receive_text finds no text
            raise NonTextMessageReceived from exc
        except WebSocketDisconnect:
            pass

    async def send_json(self, message: Mapping[str, object]) -> None:
        # Both GraphQL WebSocket protocols carry JSON in text frames; clients (gql, the
        # browser's graphql-ws) refuse binary ones, which a bytes-returning encoder would give.
        encoded = self.view.encode_json(clip_error_messages(message))
        text = encoded.decode() if isinstance(encoded, bytes) else encoded
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def close(self, code: int, reason: str) -> None:
        if self.connection.rejection is not None and code in _REJECTION_CLOSE_CODES:
            reason = self.connection.rejection
        # A reason may quote the client (an unknown operation name): it must fit the frame.
        await super().close(code, fit_close_reason(reason))


class WebSocketHooks:
    """Mixin for ``strawberry.asgi.GraphQL``: pluggable client authentication on WebSockets.

    Strawberry's own ``max_subscriptions_per_connection`` (default 100) caps the operations
    one connection may run at once; beyond it the operation gets the error "Subscription
    limit reached" (coded by ``gateway.http.ws_operation_limit``) and the connection stays
    open.
    """

    ws_authenticator: WsAuthenticator | None = None
    websocket_adapter_class = HookedWebSocketAdapter

    async def on_ws_connect(self, context: Any) -> UnsetType | dict[str, object] | None:
        acknowledgement = await self._authenticate()
        state = _CONNECTION.get()
        if state is not None:
            state.scope_headers.clear()
        return acknowledgement

    async def _authenticate(self) -> UnsetType | dict[str, object] | None:
        authenticate = self.ws_authenticator
        if authenticate is None:
            return _NO_ACK_PAYLOAD
        state = _CONNECTION.get()
        connection = (
            WsConnection(
                params=state.params,
                headers={key.lower(): value for key, value in state.handshake_headers.items()},
                client=state.client,
                state=state.scope_state,
            )
            if state is not None
            else WsConnection(params={}, headers={})
        )
        try:
            acknowledgement = await authenticate(connection)
        except WebSocketRejected as rejection:
            if state is not None:
                state.rejection = rejection.reason
            raise
        except Exception:
            # The authenticator's own failure is ours to log, not the client's to read.
            logger.exception("the WebSocket authenticator failed")
            if state is not None:
                state.rejection = AUTHENTICATOR_FAILED
            raise WebSocketRejected(AUTHENTICATOR_FAILED) from None
        return dict(acknowledgement) if acknowledgement is not None else _NO_ACK_PAYLOAD
