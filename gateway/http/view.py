"""GraphQL over HTTP as the spec asks, on top of Strawberry's ASGI view.

What this adds to stock Strawberry:

* ``Accept`` negotiation between ``application/graphql-response+json`` and ``application/json``;
  with the former, a request error (parse, validation, variable coercion) answers 4xx, and in
  both a request error carries no ``data`` key;
* a mutation sent with GET answers 405 with ``Allow: POST``; an unsupported content type 415;
* HEAD answers as GET would, without the body; any other method 405 with ``Allow``;
* an ``Accept`` header taking none of the endpoint's media types answers 406 before anything
  runs, and no answer comes in a type the client refused;
* every refusal is a GraphQL-shaped JSON error body, never plain text;
* the offline GraphiQL page, WebSocket keep-alives and SSE heartbeats.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.streaming import SSETransport
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from gateway.defaults import (
    DEFAULT_KEEPALIVE_S,
    DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    DEFAULT_WS_INIT_TIMEOUT_S,
)
from gateway.errors import BodyTimedOut, BodyTooLarge, PersistedQueryError
from gateway.guard.operation_choice import operation_not_found
from gateway.http.client_protocols import ClientProtocols
from gateway.http.exchange import NegotiatedResponse, negotiated_response
from gateway.http.graphiql import graphiql_page
from gateway.http.head import answer_head
from gateway.http.incremental_requests import (
    asks_for_incremental_delivery,
    may_ask_for_incremental_delivery,
)
from gateway.http.keepalive import keepalive_handler_class
from gateway.http.masking import INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE
from gateway.http.negotiation import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    MULTIPART_MIXED,
    accepts,
    accepts_an_answer,
    negotiate,
    refusal_media_type,
)
from gateway.http.persisted_queries import PersistedQueries
from gateway.http.request_body import clip, decode_json, request_json
from gateway.http.sse import RequestTaskStreams
from gateway.http.sse_heartbeat import TimerHeartbeats
from gateway.http.ws_hooks import WebSocketHooks, WsAuthenticator
from gateway.http.ws_incremental import with_incremental_delivery
from gateway.http.ws_init_timeout import init_deadline_handler_class
from gateway.http.ws_operation_limit import (
    with_graphql_ws_operation_limit,
    with_transport_ws_operation_limit,
)
from gateway.observability import context as request_context
from gateway.schema import BAD_REQUEST_CODE

logger = logging.getLogger(__name__)

ContextGetter = Callable[[Request | WebSocket, Response | WebSocket], Awaitable[Any]]

SUBSCRIPTION_TRANSPORTS = (
    "Subscriptions need a streaming transport: a WebSocket (graphql-transport-ws or graphql-ws) "
    "or Server-Sent Events (POST or GET with Accept: text/event-stream)"
)

# HEAD is answered as GET is, less the body (``gateway.http.head``).
ALLOWED_METHODS = "GET, HEAD, POST"
METHOD_NOT_ALLOWED = "GraphQL is served by GET (queries), HEAD and POST only"

NOT_ACCEPTABLE = (
    "The Accept header refuses every media type this endpoint answers in: accept "
    "application/graphql-response+json or application/json (text/event-stream or "
    "multipart/mixed for streams)"
)

INCREMENTAL_NOT_ACCEPTED = (
    "@defer and @stream answer multipart/mixed, which the Accept header does not take: add "
    "multipart/mixed;incrementalSpec=v0.2 to it, use Server-Sent Events or a WebSocket, or "
    "switch them off with if: false"
)

SUBSCRIPTION_PROTOCOLS = (
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    GRAPHQL_SSE_PROTOCOL,
    # Apollo Client's subscriptions over HttpLink (multipart/mixed;subscriptionSpec=1.0).
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)


def unsupported_content_type(content_type: str | None) -> str:
    sent = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
    return (
        f"Unsupported content type: the request has {sent}; POST the operation as JSON with "
        "Content-Type: application/json, or send a query by GET in the query string"
    )


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never executed: parse, validation or variable coercion failed.

    Such errors carry no ``path``; an execution that nulled the whole ``data`` always does.
    """
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def _is_internal(errors: list[GraphQLError]) -> bool:
    return any((error.extensions or {}).get("code") == INTERNAL_ERROR_CODE for error in errors)


class GatewayGraphQL(
    ClientProtocols, WebSocketHooks, TimerHeartbeats, RequestTaskStreams, GraphQL[Any, None]
):
    def __init__(
        self,
        schema: BaseSchema,
        *,
        context_getter: ContextGetter,
        graphiql: bool = True,
        keepalive_s: float = DEFAULT_KEEPALIVE_S,
        ws_authenticator: WsAuthenticator | None = None,
        max_subscriptions_per_connection: int = DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
        ws_init_timeout_s: float = DEFAULT_WS_INIT_TIMEOUT_S,
        allowed_origins: tuple[str, ...] = (),
        batch_max: int = 0,
        persisted_queries: PersistedQueries | None = None,
        max_tokens: int = 2000,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            keep_alive=True,
            keep_alive_interval=keepalive_s,
            subscription_protocols=SUBSCRIPTION_PROTOCOLS,
            max_subscriptions_per_connection=max_subscriptions_per_connection,
            connection_init_wait_timeout=timedelta(seconds=ws_init_timeout_s),
            allowed_origins=allowed_origins,
        )
        self.configure_client_protocols(
            batch_max=batch_max,
            persisted_queries=persisted_queries or PersistedQueries(None),
            max_tokens=max_tokens,
        )
        self.graphql_ws_handler_class = with_graphql_ws_operation_limit(
            init_deadline_handler_class(ws_init_timeout_s)
        )
        self._context_getter = context_getter
        self.ws_authenticator = ws_authenticator
        self.graphql_transport_ws_handler_class = with_transport_ws_operation_limit(
            with_incremental_delivery(keepalive_handler_class(keepalive_s))
        )
        for transport in self._stream_transport_map.values():
            if isinstance(transport, SSETransport):
                transport.heartbeat_interval = keepalive_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
        elif scope["method"] == "HEAD":
            await answer_head(self._answer_http, scope, receive, send)
        else:
            await self._answer_http(scope, receive, send)

    async def _answer_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive=receive)
        try:
            if self._accepts_no_answer(request):
                raise HTTPException(406, NOT_ACCEPTABLE)
            response = await self.run(request)
        except HTTPException as exc:
            response = self._refusal(request, exc)
        except (BodyTooLarge, BodyTimedOut):
            raise  # answered with 413 / 408 by their middleware
        except Exception:
            # Outside any operation (e.g. building the context): still a GraphQL-shaped answer,
            # with nothing of the failure in it.
            logger.exception("GraphQL request failed outside execution")
            response = self._internal_error(request)
        await response(scope, receive, send)

    def _accepts_no_answer(self, request: Request) -> bool:
        if request.method not in ("GET", "POST"):
            return False  # refused for its method
        accept = request.headers.get("accept")
        if negotiate(accept) is not None:
            return False  # JSON is taken: the common case, known at once
        ide_page = (
            self.graphql_ide is not None
            and request.method == "GET"
            and "query" not in request.query_params
        )
        return not accepts_an_answer(accept, ide_page=ide_page)

    def _internal_error(self, request: Request) -> Response:
        request_context.note_refusal(INTERNAL_ERROR_CODE)
        body = {
            "errors": [
                {"message": INTERNAL_ERROR_MESSAGE, "extensions": {"code": INTERNAL_ERROR_CODE}}
            ]
        }
        return self._error_answer(request, body, 500)

    def _error_answer(
        self,
        request: Request,
        body: dict[str, Any],
        status: int,
        headers: dict[str, str] | None = None,
    ) -> Response:
        # In a media type the client did not refuse; with none left, without a body.
        media_type = refusal_media_type(request.headers.get("accept"))
        content = b"" if media_type is None else self.encode_json(body)
        return Response(content, status, headers, media_type=media_type)

    def refusal_reason(self, exc: HTTPException) -> str:
        cause = exc.__cause__
        if (
            isinstance(cause, InvalidOperationTypeError)
            and cause.operation_type is OperationType.SUBSCRIPTION
        ):
            return SUBSCRIPTION_TRANSPORTS
        return exc.reason

    def _refusal(self, request: Request, exc: HTTPException) -> Response:
        status, headers, reason = exc.status_code, {}, self.refusal_reason(exc)
        cause = exc.__cause__
        if (
            isinstance(cause, InvalidOperationTypeError)
            and cause.operation_type is not OperationType.SUBSCRIPTION
            and request.method == "GET"
        ):
            # GraphQL over HTTP: GET may only carry queries; the method, not the request, is wrong.
            status, headers = 405, {"Allow": "POST"}
        elif status == 405:
            reason, headers = METHOD_NOT_ALLOWED, {"Allow": ALLOWED_METHODS}
        elif exc.reason == "Unsupported content type":
            status, reason = 415, unsupported_content_type(request.headers.get("content-type"))
        request_context.note_refusal(BAD_REQUEST_CODE)
        body = {"errors": [{"message": clip(reason), "extensions": {"code": BAD_REQUEST_CODE}}]}
        return self._error_answer(request, body, status, headers)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Any,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """One operation over plain HTTP: queries (and, with POST, mutations) only.

        Strawberry would also run a subscription here and answer with one masked error, since a
        single JSON response cannot carry a stream; refusing it up front says where to go.
        """
        allowed = {OperationType.QUERY}
        if request_adapter.method == "POST":
            allowed.add(OperationType.MUTATION)
        try:
            request_data = await self.persisted_queries.resolve(request_data)
        except PersistedQueryError as exc:
            return exc.result()
        # A batch's Accept and @defer/@stream were checked whole, before any of it ran.
        if not (isinstance(sub_response, NegotiatedResponse) and sub_response.batch):
            refusal = self._unanswerable(request, request_data)
            if refusal is not None:
                raise HTTPException(406, refusal)
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, operation_not_found(exc)) from exc
        except InvalidOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    def _unanswerable(self, request: Request, data: GraphQLRequestData) -> str | None:
        """Why this client takes no answer to the operation, if it does not: one with @defer
        or @stream answers multipart/mixed, any other one JSON."""
        accept = request.headers.get("accept")
        takes_json = negotiate(accept) is not None
        takes_multipart = accepts(accept, MULTIPART_MIXED)
        if data.query is None or (takes_json and takes_multipart):
            return None
        if takes_json and not may_ask_for_incremental_delivery(data.query):
            return None
        try:
            document = self._parse_for_type(data.query)
        except GraphQLError:
            # Executed, which reports the syntax error (in JSON).
            return None if takes_json else NOT_ACCEPTABLE
        if asks_for_incremental_delivery(document, data.operation_name, data.variables):
            return None if takes_multipart else INCREMENTAL_NOT_ACCEPTED
        return None if takes_json else NOT_ACCEPTABLE

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Any:
        return await self._context_getter(request, response)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        media_type = negotiate(request.headers.get("accept")) or JSON
        sub_response = NegotiatedResponse(media_type)
        sub_response.attach(request)
        return sub_response

    async def process_result(
        self, request: Request | WebSocket, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = process_result(result)
        for error in response.get("errors") or ():
            error["message"] = clip(str(error["message"]))  # type: ignore[index]
        if not is_request_error(result):
            return response
        response.pop("data", None)
        sub_response = negotiated_response(request)
        if (
            sub_response is not None
            and not sub_response.batch
            and sub_response.negotiated_type == GRAPHQL_RESPONSE_JSON
            and sub_response.status_code is None
        ):
            sub_response.status_code = 500 if _is_internal(result.errors or []) else 400
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = (
            sub_response.negotiated_type if isinstance(sub_response, NegotiatedResponse) else JSON
        )
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=media_type,
        )
        response.headers.raw.extend(
            (name, value) for name, value in sub_response.headers.raw if name != b"content-type"
        )
        if sub_response.background:
            response.background = sub_response.background
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page(request)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS)

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data)

    def parse_json(self, data: str | bytes) -> Any:
        return request_json(data)
