"""Liveness and readiness probes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ReadinessCheck = Callable[[], Awaitable[Mapping[str, bool]]]


async def healthz(request: Request) -> Response:
    """The process is up and serving HTTP; says nothing about the vendors."""
    return JSONResponse({"status": "ok"})


def readiness_route(check: ReadinessCheck) -> Route:
    async def readyz(request: Request) -> Response:
        components = dict(await check())
        ready = bool(components) and all(components.values())
        return JSONResponse(
            {"status": "ready" if ready else "unavailable", "components": components},
            status_code=200 if ready else 503,
        )

    return Route("/readyz", readyz, methods=["GET"])


def health_routes(check: ReadinessCheck) -> list[Route]:
    return [Route("/healthz", healthz, methods=["GET"]), readiness_route(check)]
