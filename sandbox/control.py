"""Sandbox plumbing shared by the vendor emulators: request counters, fault injection and the
`/_sandbox/` control routes.

An emulator builds its app as `SandboxApp(control=SandboxControl(...), routes=[...])`. The
sandbox middleware then sits outside everything else, so it sees the raw connection (needed to
drop it) and every answer the vendor routes give, including errors from other middleware.
Requests to `/_sandbox/...` and `/openapi.json` are neither counted nor faulted: they are not
calls to the vendor API.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Lifespan, Message, Receive, Scope, Send

from sandbox.faults import Fault, FaultInjector, FaultSettings, FaultSettingsError
from sandbox.segments import EncodedSegments
from sandbox.segments import Route as SegmentRoute

CONTROL_PREFIX = "/_sandbox"
UNCOUNTED_PATHS = frozenset({"/openapi.json"})
LOG_LIMIT = 10_000
ORDER_ID_SCOPE_KEY = "sandbox.order_id"
DROP_WAIT_S = 2.0
# What a garbled answer carries instead of the vendor's JSON: a proxy's error page, say.
GARBLED_BODY = b"<html><body>upstream said something</body></html>"

FaultResponder = Callable[[int, int | None], Response]


class SandboxJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def problem_response(
    status: int, title: str, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> Response:
    """An RFC 7807 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers=dict(headers or {}),
        media_type="application/problem+json",
    )


def default_fault_response(status: int, retry_after_s: int | None) -> Response:
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else None
    title = "Too Many Requests" if status == 429 else "Service Unavailable"
    return problem_response(status, title, "Injected by the sandbox", headers=headers)


Endpoint = Callable[[Request], Awaitable[Response]]


def method_route(
    path: str, handlers: Mapping[str, Endpoint], *, name: str | None = None
) -> SegmentRoute:
    """One route serving several methods, so a 405 lists every method the path supports in its
    `Allow` header (separate `Route`s per method would each list only their own)."""

    async def dispatch(request: Request) -> Response:
        return await handlers[request.method if request.method != "HEAD" else "GET"](request)

    return SegmentRoute(path, dispatch, methods=list(handlers), name=name)


def note_order_id(request: Request, order_id: str) -> None:
    """Tag the request-log entry of this request with the order it concerns.

    Orders named in the path are found automatically; endpoints call this for ids that only
    appear in the body (a create, a batch).
    """
    request.scope[ORDER_ID_SCOPE_KEY] = order_id


def _order_id_from_path(scope: Scope) -> str | None:
    params = scope.get("path_params") or {}
    value = params.get("orderId")
    return value if isinstance(value, str) else None


class RequestLog:
    """Counts of vendor requests by route template, and a bounded log of the latest ones."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._by_route: Counter[str] = Counter()
        self._total = 0
        self._log: deque[dict[str, Any]] = deque(maxlen=limit)

    def record(
        self,
        *,
        method: str,
        path: str,
        route: str,
        status: int | None,
        order_id: str | None,
        fault: Fault,
        at: float | None = None,
        traceparent: str | None = None,
    ) -> None:
        key = f"{method} {route}"
        self._total += 1
        self._by_route[key] += 1
        entry: dict[str, Any] = {
            # When the request arrived (Unix seconds): shows the rate requests came in at.
            "at": time.time() if at is None else at,
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "order_id": order_id,
        }
        if fault is not Fault.NONE:
            entry["fault"] = fault.value
        if traceparent is not None:
            # W3C trace context the caller sent: shows which trace a vendor call belonged to.
            entry["traceparent"] = traceparent
        self._log.append(entry)

    def reset(self) -> None:
        self._by_route.clear()
        self._total = 0
        self._log.clear()

    def snapshot(self) -> dict[str, Any]:
        return {"total": self._total, "by_route": dict(self._by_route), "log": list(self._log)}


@dataclass
class SandboxControl:
    """The runtime state behind `/_sandbox/`: faults, counters and the fault answers."""

    faults: FaultInjector = field(default_factory=FaultInjector)
    requests: RequestLog = field(default_factory=RequestLog)
    fault_response: FaultResponder = default_fault_response
    order_id_of: Callable[[Scope], str | None] = _order_id_from_path

    @classmethod
    def with_faults(cls, settings: FaultSettings, **kwargs: Any) -> SandboxControl:
        return cls(faults=FaultInjector(settings), **kwargs)


def _is_uncounted(path: str) -> bool:
    return (
        path in UNCOUNTED_PATHS or path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
    )


def _route_template(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    # The request was answered before routing (auth, rate limit): find the route it was meant for.
    partial: str | None = None
    for candidate in routes:
        match, _ = candidate.matches(scope)
        candidate_path = getattr(candidate, "path", None)
        if not isinstance(candidate_path, str):
            continue
        if match is Match.FULL:
            return candidate_path
        if match is Match.PARTIAL and partial is None:
            partial = candidate_path
    return partial or str(scope.get("path", ""))


class _BodyWatch:
    """Wraps `receive` to know whether the request body has been read to its end."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.body_done = False

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            self.body_done = True
        return message


async def _drop_connection(raw_send: Send, receive: _BodyWatch) -> None:
    """Close the client connection without an HTTP answer."""
    transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "close"):
        # No socket to close (an in-process transport): failing the call is the closest match.
        raise ConnectionResetError("connection dropped by the sandbox")
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DROP_WAIT_S):
            # Closing with request bytes still in flight makes the kernel answer with a reset
            # instead of a clean close; reading the body first makes every drop look the same.
            while not receive.body_done:
                await receive()
    transport.close()
    # Wait until the server notices, so it does not answer the closed connection itself.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DROP_WAIT_S):
            while (await receive())["type"] != "http.disconnect":
                pass


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


class SandboxMiddleware:
    """Counts vendor requests and injects the configured faults."""

    def __init__(self, app: ASGIApp, control: SandboxControl, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.control = control
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_uncounted(scope["path"]):
            await self.app(scope, receive, send)
            return
        arrived = time.time()
        receive = _BodyWatch(receive)
        settings = self.control.faults.settings
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        fault = self.control.faults.draw(scope["method"])
        status: int | None = None
        try:
            if fault is Fault.DROP:
                await _drop_connection(send, receive)
            elif fault is Fault.ERROR:
                status = 503
                await self.control.fault_response(503, None)(scope, receive, send)
            elif fault is Fault.RATE_LIMIT:
                status = 429
                answer = self.control.fault_response(429, settings.retry_after_s)
                await answer(scope, receive, send)
            else:
                status = await self._handle(scope, receive, send, fault)
        finally:
            self.control.requests.record(
                method=scope["method"],
                path=scope["path"],
                route=_route_template(scope, self.routes),
                status=status,
                order_id=scope.get(ORDER_ID_SCOPE_KEY) or self.control.order_id_of(scope),
                fault=fault,
                at=arrived,
                traceparent=_header(scope, b"traceparent"),
            )

    async def _handle(
        self, scope: Scope, receive: _BodyWatch, send: Send, fault: Fault
    ) -> int | None:
        status: int | None = None
        swallow = fault in (Fault.DROP_AFTER_COMMIT, Fault.GARBLE)

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            if not swallow:
                await send(message)

        await self.app(scope, receive, watch)
        if fault is Fault.DROP_AFTER_COMMIT:
            await _drop_connection(send, receive)
        elif fault is Fault.GARBLE and status is not None:
            garbage = GARBLED_BODY
            headers = [(b"content-type", b"text/html"), (b"content-length", b"%d" % len(garbage))]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": garbage})
        return status


def control_routes(control: SandboxControl, extra: Sequence[BaseRoute] = ()) -> Mount:
    """`/_sandbox/requests`, `/_sandbox/requests/reset`, `/_sandbox/faults` plus `extra`."""

    async def get_requests(request: Request) -> Response:
        return SandboxJSONResponse(control.requests.snapshot())

    async def reset_requests(request: Request) -> Response:
        control.requests.reset()
        return SandboxJSONResponse(control.requests.snapshot())

    async def get_faults(request: Request) -> Response:
        return SandboxJSONResponse(control.faults.settings.to_json())

    async def put_faults(request: Request) -> Response:
        try:
            changes = orjson.loads(await request.body())
            settings = control.faults.settings.merged(changes)
        except orjson.JSONDecodeError:
            return problem_response(400, "Bad Request", "body: malformed JSON")
        except FaultSettingsError as exc:
            return problem_response(400, "Bad Request", str(exc), errors=exc.messages)
        control.faults.configure(settings)
        return SandboxJSONResponse(settings.to_json())

    return Mount(
        CONTROL_PREFIX,
        routes=[
            Route("/requests", get_requests, methods=["GET"]),
            Route("/requests/reset", reset_requests, methods=["POST"]),
            method_route("/faults", {"GET": get_faults, "PUT": put_faults}),
            *extra,
        ],
    )


class SandboxApp(Starlette):
    """A Starlette app with the sandbox control routes and counting/fault middleware built in.

    `control_extra` adds emulator-specific routes under `/_sandbox/`.
    """

    def __init__(
        self,
        *,
        control: SandboxControl,
        routes: Sequence[BaseRoute],
        control_extra: Sequence[BaseRoute] = (),
        middleware: Sequence[Middleware] | None = None,
        lifespan: Lifespan[Any] | None = None,
        exception_handlers: Mapping[Any, Any] | None = None,
        debug: bool = False,
    ) -> None:
        self.control = control
        super().__init__(
            debug=debug,
            routes=[control_routes(control, control_extra), *routes],
            middleware=middleware,
            lifespan=lifespan,
            exception_handlers=exception_handlers,
        )

    def build_middleware_stack(self) -> ASGIApp:
        return EncodedSegments(
            SandboxMiddleware(super().build_middleware_stack(), self.control, self.routes)
        )
