"""The ``x-api-key`` check every vendor route sits behind."""

from __future__ import annotations

from collections.abc import Set

from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.control import CONTROL_PREFIX
from sandbox.expertsender import inferred
from sandbox.expertsender.problems import problem

# Not part of the vendor API, so not behind its key.
OPEN_PATHS = frozenset({"/openapi.json"})


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, api_keys: Set[str]) -> None:
        self.app = app
        self.api_keys = api_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_open(scope["path"]):
            await self.app(scope, receive, send)
            return
        key_header = inferred.API_KEY_HEADER.encode()
        keys = [v for k, v in scope["headers"] if k.lower() == key_header]
        if len(keys) == 1 and keys[0].decode("latin-1") in self.api_keys:
            await self.app(scope, receive, send)
            return
        answer = problem(
            401, inferred.SUBSTATUS_INVALID_API_KEY, inferred.MSG_BAD_API_KEY, scope["path"]
        )
        await answer(scope, receive, send)


def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")
