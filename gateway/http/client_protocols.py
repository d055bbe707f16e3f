"""What the view does for the clients frontends use: stream choice, batches, persisted queries.

A mixin for ``GatewayGraphQL`` that overrides Strawberry's request-level hooks:

* a query or mutation answers as an event stream only when the client prefers one
  (``prefers_event_stream``); a subscription streams whenever the client accepts a stream;
* a JSON array is a batch, accepted up to ``batch_max`` operations (0 refuses batches) and
  answered as a JSON array whatever streams the ``Accept`` header also takes; each operation is
  parsed, validated and limited on its own; one with ``@defer``/``@stream`` refuses the whole
  batch before any of it runs, and any other the batch cannot answer (a subscription, an
  unknown ``operationName``) fails its own entry only;
* Apollo's persisted-query extension is resolved before an operation runs, batched or not.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import DocumentNode, GraphQLError, parse
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.streaming import HTTPStreamTransport, MultipartSubscriptionTransport
from strawberry.http.types import QueryParams
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from gateway.documents import cacheable
from gateway.errors import PersistedQueryError
from gateway.http.exchange import NegotiatedResponse
from gateway.http.incremental_masking import mask_incremental
from gateway.http.incremental_requests import (
    asks_for_incremental_delivery,
    may_ask_for_incremental_delivery,
)
from gateway.http.negotiation import (
    EVENT_STREAM,
    HTML,
    MULTIPART_MIXED,
    accepts,
    negotiate,
    prefers_event_stream,
)
from gateway.http.persisted_queries import PersistedQueries
from gateway.http.request_body import clip, query_parameter_json
from gateway.http.sse import LineFeedSSETransport
from gateway.schema import BAD_REQUEST_CODE

# The media type of each stream a request's ``protocol`` names.
_STREAM_MEDIA_TYPES: Mapping[str, str] = {
    "sse": EVENT_STREAM,
    "multipart-subscription": MULTIPART_MIXED,
}

BATCHING_OFF = "Batching is not enabled on this gateway (GATEWAY_BATCH_MAX is 0)"
INCREMENTAL_IN_BATCH = (
    "@defer and @stream cannot be batched: a batch answers one JSON array, which has no room "
    "for later payloads; send that operation on its own, or switch them off with if: false"
)


BATCH_NOT_ACCEPTABLE = (
    "A batch answers one JSON array, which the Accept header does not take: accept "
    "application/graphql-response+json or application/json"
)


def batch_too_large(batch_max: int) -> str:
    return f"Too many operations in one batch: at most {batch_max} (GATEWAY_BATCH_MAX)"


_BATCH_MEMBERS = (
    ("query", str, "a string"),
    ("variables", dict, "an object"),
    ("extensions", dict, "an object"),
    ("operationName", str, "a string"),
)


OPERATION_NAME_NOT_A_STRING = (
    "The GraphQL operation's `operationName` must be a string or null, if provided."
)

# A GET request's parameters that carry JSON.
_JSON_PARAMETERS = ("variables", "extensions")


def _check_batch_item(item: object) -> None:
    """The checks Strawberry makes of a single operation, which it skips for batched ones."""
    if not isinstance(item, dict):
        raise HTTPException(400, "Every operation of a batch must be a JSON object")
    for name, kind, described in _BATCH_MEMBERS:
        value = item.get(name)
        if value is not None and not isinstance(value, kind):
            raise HTTPException(
                400, f"The `{name}` of each batched operation must be {described} or null"
            )


class ClientProtocols:
    """Mixed into the Strawberry view; ``configure_client_protocols`` sets it up."""

    batch_max: int = 0
    persisted_queries: PersistedQueries = PersistedQueries(None)
    _parse_for_type: Callable[[str], DocumentNode]

    stream_transport_classes_by_protocol: Mapping[str, type[HTTPStreamTransport]] = {
        GRAPHQL_SSE_PROTOCOL: LineFeedSSETransport,
        MULTIPART_SUBSCRIPTION_PROTOCOL: MultipartSubscriptionTransport,
    }

    def configure_client_protocols(
        self, *, batch_max: int, persisted_queries: PersistedQueries, max_tokens: int
    ) -> None:
        self.batch_max = batch_max
        self.persisted_queries = persisted_queries

        @lru_cache(maxsize=256)
        def parse_cached(query: str) -> DocumentNode:
            return parse(query, no_location=True, max_tokens=max_tokens)

        def parse_for_type(query: str) -> DocumentNode:
            if cacheable(query):
                return parse_cached(query)
            return parse(query, no_location=True, max_tokens=max_tokens)

        self._parse_for_type = parse_for_type

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        """A GET request's parameters; ``variables`` and ``extensions`` must be JSON objects."""
        parsed: dict[str, Any] = dict(params)
        for name in _JSON_PARAMETERS:
            raw = parsed.get(name)
            if raw:
                parsed[name] = query_parameter_json(name, raw)
        return parsed

    def _validate_batch_request(
        self, request_data: list[GraphQLRequestData], protocol: GraphQLRequestProtocol
    ) -> None:
        # A batch always answers one JSON array, whatever streams the client also accepts.
        if self.batch_max == 0:
            raise HTTPException(400, BATCHING_OFF)
        if not request_data:
            raise HTTPException(400, "A batch needs at least one operation")
        if len(request_data) > self.batch_max:
            raise HTTPException(400, batch_too_large(self.batch_max))
        for item in request_data:
            _check_batch_item(item)

    def _streams(self, request: Request, data: GraphQLRequestData) -> bool:
        accept = request.headers.get("accept")
        if prefers_event_stream(accept):
            return True
        # Strawberry picks the stream by a substring of the header, a type given q=0 included.
        stream_type = _STREAM_MEDIA_TYPES.get(data.protocol)
        if data.query is None or (stream_type is not None and not accepts(accept, stream_type)):
            return False
        try:
            document = self._parse_for_type(data.query)
            operation = get_operation_type(document, data.operation_name)
        except (GraphQLError, RuntimeError):
            return False  # executed as JSON, which reports the problem
        return operation is OperationType.SUBSCRIPTION

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Any,
        root_value: Any,
        sub_response: Response,
    ) -> Any:
        if isinstance(request_data, list):
            if isinstance(sub_response, NegotiatedResponse):
                sub_response.batch = True
            # Its operations run side by side: refused whole only here, before any runs.
            request_data = [await self._batch_member(item) for item in request_data]
            if negotiate(request.headers.get("accept")) is None:
                raise HTTPException(406, BATCH_NOT_ACCEPTABLE)
            return await asyncio.gather(
                *(
                    self._execute_batched(
                        request, request_adapter, data, context, root_value, sub_response
                    )
                    for data in request_data
                )
            )
        if not isinstance(request_data.operation_name, str | None):
            # Strawberry checks the other members' types, not this one's.
            raise HTTPException(400, OPERATION_NAME_NOT_A_STRING)
        if request_data.protocol != "http":
            try:
                request_data = await self.persisted_queries.resolve(request_data)
            except PersistedQueryError as exc:
                return exc.result()
            if not self._streams(request, request_data):
                request_data = dataclasses.replace(request_data, protocol="http")
            elif request.method == "GET":
                self._refuse_a_mutation_by_get(request_data)
        return await super().execute_operation(  # type: ignore[misc]
            request=request,
            request_adapter=request_adapter,
            request_data=request_data,
            context=context,
            root_value=root_value,
            sub_response=sub_response,
        )

    def _refuse_a_mutation_by_get(self, data: GraphQLRequestData) -> None:
        """A mutation by GET (or HEAD) is refused as over plain HTTP (405, ``Allow: POST``),
        not inside a stream whose 200 and headers would already be out."""
        if data.query is None:
            return
        try:
            operation = get_operation_type(self._parse_for_type(data.query), data.operation_name)
        except (GraphQLError, RuntimeError):
            return  # executed, which reports the problem
        if operation is OperationType.MUTATION:
            refused = InvalidOperationTypeError(operation)
            raise HTTPException(400, refused.as_http_error_reason("GET")) from refused

    async def _execute_batched(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData,
        context: Any,
        root_value: Any,
        sub_response: Response,
    ) -> ExecutionResult:
        """One operation of a batch. An operation the batch cannot answer fails its own entry:
        the batch's other operations run regardless, so refusing the whole batch would hide
        what they did (a mutation's write among them)."""
        try:
            result: ExecutionResult = await self.execute_single(  # type: ignore[attr-defined]
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as exc:
            reason = clip(self.refusal_reason(exc))
            error = GraphQLError(reason, extensions={"code": BAD_REQUEST_CODE})
            return ExecutionResult(data=None, errors=[error])
        return result

    def refusal_reason(self, exc: HTTPException) -> str:
        """What a client is told of the refusal ``exc``."""
        return exc.reason

    async def _batch_member(self, data: GraphQLRequestData) -> GraphQLRequestData:
        """``data`` with its persisted query resolved; refused when it asks for @defer or
        @stream."""
        try:
            data = await self.persisted_queries.resolve(data)
        except PersistedQueryError:
            return data  # answered in the batch, with its error
        if data.query is None or not may_ask_for_incremental_delivery(data.query):
            return data
        try:
            document = self._parse_for_type(data.query)
        except GraphQLError:
            return data  # executed, which reports the syntax error
        if asks_for_incremental_delivery(document, data.operation_name, data.variables):
            raise HTTPException(400, INCREMENTAL_IN_BATCH)
        return data

    async def _process_stream_result(
        self, request: Request, value: Any, all_pending: list[Any]
    ) -> Any:
        mask_incremental(value)
        return await super()._process_stream_result(  # type: ignore[misc]
            request, value, all_pending
        )

    def should_render_graphql_ide(self, request: Any) -> bool:
        # Only a GET is a browser visit (a POST's query string is not even parsed).
        if request.method != "GET":
            return False
        # A GET carrying only a persisted-query hash is an operation, not a browser visit.
        if "extensions" in request.query_params:
            return False
        # Strawberry looks for "text/html" or "*/*" anywhere in the header, q=0 included.
        accept = request.headers.get("accept")
        return request.query_params.get("query") is None and bool(accept) and accepts(accept, HTML)
