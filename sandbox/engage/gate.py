"""The checks every Engage API call passes before it reaches an endpoint (§1, §8)."""

from __future__ import annotations

from collections.abc import Callable, Set

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.control import CONTROL_PREFIX
from sandbox.engage import inferred
from sandbox.engage.problems import problem
from sandbox.engage.ratelimit import SlidingWindowLimiter

UNGATED_PATHS = frozenset({"/openapi.json"})


def _is_gated(path: str) -> bool:
    return path not in UNGATED_PATHS and not (
        path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
    )


def _content_type_ok(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == inferred.REQUIRED_MEDIA_TYPE


class EngageGate:
    """apikey → per-key rate limit → User-Agent → Content-Type (order in `inferred.GATE_ORDER`)."""

    def __init__(
        self,
        app: ASGIApp,
        api_keys: Callable[[], Set[str]],
        limiter: SlidingWindowLimiter,
    ) -> None:
        self.app = app
        self.api_keys = api_keys
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_gated(scope["path"]):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(Headers(scope=scope))
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def _refusal(self, headers: Headers) -> Response | None:
        key = headers.get(inferred.API_KEY_HEADER)
        if not key or key not in self.api_keys():
            return problem(401, None, inferred.UNAUTHORIZED_DETAIL)
        wait = self.limiter.acquire(key)
        if wait is not None:
            return problem(
                429,
                inferred.TOO_MANY_REQUESTS,
                f"More than {self.limiter.per_second} requests per second for this API key.",
                headers={"Retry-After": str(wait)},
            )
        if not headers.get("user-agent", "").strip():
            return problem(
                400,
                inferred.USER_AGENT_MISSING,
                "A User-Agent header of the form System/Version is required.",
            )
        if not _content_type_ok(headers):
            return Response(
                orjson.dumps(inferred.CONTENT_TYPE_ERROR_BODY), 500, media_type="application/json"
            )
        return None
