"""The Engage v3 emulator as a Starlette app: `create_app(EngageSandboxSettings(...))`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.control import (
    SandboxApp,
    SandboxControl,
    SandboxJSONResponse,
    method_route,
    problem_response,
)
from sandbox.engage import demo
from sandbox.engage.answers import problem_rewrite
from sandbox.engage.contacts import ContactEndpoints
from sandbox.engage.gate import EngageGate
from sandbox.engage.jobs import JobRunner
from sandbox.engage.openapi import openapi_document
from sandbox.engage.orders import OrderEndpoints
from sandbox.engage.problems import fault_response
from sandbox.engage.ratelimit import SlidingWindowLimiter
from sandbox.engage.settings import EngageSandboxSettings
from sandbox.engage.store import EngageState
from sandbox.rewrite import ProblemRewriter
from sandbox.variants import Variants


class EngageRuntime:
    """Settings that `/_sandbox/settings` may change while the emulator runs."""

    def __init__(self, settings: EngageSandboxSettings) -> None:
        self.api_keys = frozenset(settings.api_keys)
        self.job_delay_ms = settings.job_delay_ms
        self.limiter = SlidingWindowLimiter(settings.rate_limit_per_second)
        self.jobs_held = False

    def to_json(self) -> dict[str, int | bool]:
        return {
            "job_delay_ms": self.job_delay_ms,
            "rate_limit_per_second": self.limiter.per_second,
            "jobs_held": self.jobs_held,
        }


def _settings_routes(
    runtime: EngageRuntime, state: EngageState, variants: Variants, runner: JobRunner
) -> list[Route]:
    async def get_settings(request: Request) -> Response:
        return SandboxJSONResponse(runtime.to_json())

    async def put_settings(request: Request) -> Response:
        try:
            changes = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return problem_response(400, "Bad Request", "body: malformed JSON")
        problems = []
        if not isinstance(changes, dict):
            problems.append("body: must be a JSON object")
            changes = {}
        limits = {"job_delay_ms": 0, "rate_limit_per_second": 1}
        for name, value in changes.items():
            if name == "jobs_held":
                if not isinstance(value, bool):
                    problems.append(f"{name}: must be true or false")
            elif name not in limits:
                problems.append(f"{name}: unknown setting")
            elif isinstance(value, bool) or not isinstance(value, int) or value < limits[name]:
                problems.append(f"{name}: must be an integer >= {limits[name]}")
        if problems:
            return problem_response(400, "Bad Request", "; ".join(problems), errors=problems)
        runtime.job_delay_ms = changes.get("job_delay_ms", runtime.job_delay_ms)
        runtime.limiter.per_second = changes.get(
            "rate_limit_per_second", runtime.limiter.per_second
        )
        runtime.jobs_held = changes.get("jobs_held", runtime.jobs_held)
        runner.wake()
        return SandboxJSONResponse(runtime.to_json())

    async def get_actions(request: Request) -> Response:
        order_id = request.query_params.get("orderId")
        actions = [a.to_json() for a in state.actions if order_id in (None, a.order_id)]
        return SandboxJSONResponse({"actions": actions})

    async def get_variants(request: Request) -> Response:
        return SandboxJSONResponse(variants.to_json())

    return [
        Route("/variants", get_variants, methods=["GET"]),
        method_route("/settings", {"GET": get_settings, "PUT": put_settings}),
        Route("/actions", get_actions, methods=["GET"]),
    ]


def create_app(settings: EngageSandboxSettings | None = None) -> Starlette:
    settings = settings or EngageSandboxSettings()
    state = EngageState()
    if settings.seed_demo_data:
        demo.seed(state)
    runtime = EngageRuntime(settings)
    runner = JobRunner(state, lambda: runtime.job_delay_ms, lambda: runtime.jobs_held)
    document = orjson.dumps(openapi_document())

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await runner.aclose()

    app = SandboxApp(
        control=SandboxControl.with_faults(settings.faults, fault_response=fault_response),
        control_extra=_settings_routes(runtime, state, settings.variants, runner),
        routes=[
            Route("/openapi.json", openapi, methods=["GET"]),
            *OrderEndpoints(state, runner, settings.variants).routes(),
            *ContactEndpoints(state).routes(),
        ],
        middleware=[
            Middleware(ProblemRewriter, rewrite=problem_rewrite(settings.variants)),
            Middleware(EngageGate, api_keys=lambda: runtime.api_keys, limiter=runtime.limiter),
        ],
        lifespan=lifespan,
    )
    app.state.engage = state
    return app
