"""``VendorTransport``: every call to one vendor goes through here.

Per attempt: the circuit breaker may refuse it, the client-side rate limiter paces it, one
pooled ``httpx.AsyncClient`` sends it with a timeout and without following redirects. The
client uses httpx's own transport, which also honours ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY``
from the environment, so a proxied set-up runs the same code as a direct one. The
attempt's outcome is judged by ``_outcomes``; tenacity runs the retry loop (exponential
backoff with full jitter, or the vendor's ``Retry-After`` when it sent one).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import NoReturn

import httpx
import orjson
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from adapters.errors import (
    BadVendorResponse,
    CircuitOpen,
    RateLimited,
    UpstreamError,
    ValidationFailed,
    VendorError,
    WriteOutcomeUnknown,
)
from adapters.transport._breaker import BreakerState, CircuitBreaker
from adapters.transport._events import TransportEvent, TransportEventKind, TransportStats
from adapters.transport._limiter import RateLimiter, local_limiter
from adapters.transport._observer import CallObservation, CallObserver
from adapters.transport._outcomes import (
    VENDOR_LABELS,
    Health,
    Verdict,
    judge_exception,
    judge_response,
)
from adapters.transport._priority import PriorityGate
from adapters.transport._settings import RetryPolicy, TransportSettings

logger = logging.getLogger(__name__)

# The observation of the call running in this task, read by each of its attempts.
_observation: contextvars.ContextVar[CallObservation | None] = contextvars.ContextVar(
    "vendor_call_observation", default=None
)

_BREAKER_EVENTS = {
    BreakerState.OPEN: TransportEventKind.BREAKER_OPENED,
    BreakerState.HALF_OPEN: TransportEventKind.BREAKER_HALF_OPEN,
    BreakerState.CLOSED: TransportEventKind.BREAKER_CLOSED,
}


class _Retry(Exception):
    """Carries a retryable verdict through tenacity's loop."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.error.message)
        self.verdict = verdict


class VendorTransport:
    """Safe HTTP to one vendor with one API key: the rate limiter and the breaker live here,
    so build one transport per key and share it."""

    def __init__(
        self,
        settings: TransportSettings,
        *,
        on_event: Callable[[TransportEvent], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        limiter: RateLimiter | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.settings = settings
        self._observer = observer
        self.stats = TransportStats()
        self._on_event = on_event
        self._sleep: Callable[[float], Awaitable[None]] = sleep or asyncio.sleep
        self._client = httpx.AsyncClient(
            base_url=settings.base_url,
            headers=dict(settings.headers),
            timeout=httpx.Timeout(settings.timeout_s),
            follow_redirects=False,
            limits=httpx.Limits(
                max_connections=settings.max_connections,
                max_keepalive_connections=settings.max_connections,
            ),
        )
        # Writes and job polls first, background refreshes last (``vendor_call_priority``); a
        # limiter given by the caller brings its own ``PriorityGate`` if it wants one.
        self._limiter: RateLimiter = limiter or PriorityGate(
            local_limiter(settings.rate_per_second)
        )
        breaker_kwargs = {} if clock is None else {"clock": clock}
        self.breaker = CircuitBreaker(
            settings.breaker_failure_threshold,
            settings.breaker_reset_s,
            on_change=self._breaker_changed,
            **breaker_kwargs,
        )
        self._label = VENDOR_LABELS[settings.vendor]

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        params: Mapping[str, str] | None = None,
        retry: RetryPolicy = RetryPolicy.SAFE,
    ) -> httpx.Response:
        """Send one request; 2xx-4xx (except 429) come back as responses, everything else is
        retried by ``retry`` and finally raised as an ``adapters.errors.UpstreamError``.

        ``path`` may also be an absolute URL the vendor handed out (a paging ``href``); it is
        sent verbatim.
        """
        method = method.upper()
        if self._observer is None:
            return await self._request(method, path, json, params, retry)
        try:
            observation = self._observer.call(self.settings.vendor, method, _path_only(path))
        except Exception:
            # A broken observer must never break vendor traffic.
            logger.exception("vendor call observer failed")
            return await self._request(method, path, json, params, retry)
        token = _observation.set(observation)
        status: int | None = None
        error_code: str | None = "INTERNAL"
        try:
            response = await self._request(method, path, json, params, retry)
            status, error_code = response.status_code, None
            return response
        except VendorError as exc:
            status, error_code = exc.upstream_status, exc.code
            raise
        except asyncio.CancelledError:
            error_code = "CANCELLED"
            raise
        finally:
            _observation.reset(token)
            try:
                observation.finish(status=status, error_code=error_code)
            except Exception:
                logger.exception("vendor call observer failed")

    async def _request(
        self,
        method: str,
        path: str,
        json: object,
        params: Mapping[str, str] | None,
        retry: RetryPolicy,
    ) -> httpx.Response:
        self.stats.requests += 1
        url = httpx.URL(path)
        self._check_origin(url)
        where = f"{method} {url.path or '/'}"
        try:
            content = None if json is None else orjson.dumps(json)
        except orjson.JSONEncodeError as exc:
            raise ValidationFailed(
                f"The request body for {self._label} cannot be written as JSON ({exc})",
                vendor=self.settings.vendor,
            ) from None
        try:
            # Most calls succeed at once: only a failed first attempt sets up the retry loop.
            return await self._attempt(method, path, content, params, retry, where, 1)
        except _Retry as first:
            return await self._retry(first, method, path, content, params, retry, where)

    async def _retry(
        self,
        first: _Retry,
        method: str,
        path: str,
        content: bytes | None,
        params: Mapping[str, str] | None,
        policy: RetryPolicy,
        where: str,
    ) -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            before_sleep=lambda state: self._before_sleep(state, method, path),
            reraise=True,
            sleep=self._sleep,
        )
        number = 1
        try:
            async for attempt in retrying:
                with attempt:
                    number = attempt.retry_state.attempt_number
                    if number == 1:
                        # Made already: tenacity judges it like any other attempt.
                        raise first
                    return await self._attempt(method, path, content, params, policy, where, number)
        except _Retry as exhausted:
            self._gave_up(exhausted.verdict.error, method, path, number)
            raise exhausted.verdict.error from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def aclose(self) -> None:
        await self._client.aclose()

    def _check_origin(self, url: httpx.URL) -> None:
        # Absolute URLs come from the vendor (paging links); the credentials in our headers
        # must never follow one to another host.
        if not url.is_absolute_url:
            return
        base = self._client.base_url
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            raise BadVendorResponse(
                f"{self._label} handed out a link to another origin; not following it",
                vendor=self.settings.vendor,
            )

    async def __aenter__(self) -> VendorTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _attempt(
        self,
        method: str,
        path: str,
        content: bytes | None,
        params: Mapping[str, str] | None,
        policy: RetryPolicy,
        where: str,
        number: int,
    ) -> httpx.Response:
        if not self.breaker.allow():
            self.stats.failed_fast += 1
            self._emit(TransportEventKind.FAILED_FAST, method=method, path=path, attempt=number)
            raise CircuitOpen(
                f"{self._label} failed repeatedly; not calling it for a while ({where})",
                vendor=self.settings.vendor,
            )
        health = Health.UNKNOWN
        try:
            try:
                await self._limiter.acquire()
            except RateLimited as exc:
                # No slot before the request's deadline: never sent, so never retried here.
                exc.vendor = exc.vendor or self.settings.vendor
                raise
            self.stats.attempts += 1
            try:
                response = await self._client.request(
                    method,
                    path,
                    content=content,
                    params=params,
                    headers=_attempt_headers(content, number),
                )
            except httpx.HTTPError as exc:
                verdict = judge_exception(
                    exc, policy, self.settings.vendor, where, self.settings.timeout_s
                )
            else:
                verdict_or_none = judge_response(response, policy, self.settings.vendor, where)
                if verdict_or_none is None:
                    health = Health.UP
                    return response
                verdict = verdict_or_none
                await response.aclose()
            health = verdict.health
            if verdict.error.upstream_status == 429:
                self.stats.rate_limited += 1
                self._emit(
                    TransportEventKind.RATE_LIMITED,
                    method=method,
                    path=path,
                    attempt=number,
                    upstream_status=429,
                    delay_s=verdict.retry_after,
                )
            self._settle(verdict, method, path, number)
        finally:
            if health is Health.UP:
                self.breaker.record_success()
            elif health is Health.DOWN:
                self.breaker.record_failure()
            else:
                self.breaker.record_neutral()

    def _settle(self, verdict: Verdict, method: str, path: str, number: int) -> NoReturn:
        """Raise the verdict: as ``_Retry`` to loop again, or as the final error."""
        error = verdict.error
        too_long = (
            verdict.retry_after is not None
            and verdict.retry_after > self.settings.retry_after_max_s
        )
        if verdict.retryable and not too_long:
            raise _Retry(verdict)
        if isinstance(error, WriteOutcomeUnknown):
            self.stats.outcome_unknown += 1
        if isinstance(error, RateLimited) and too_long:
            error.message = f"{error.message}; asked to wait {verdict.retry_after:g} s"
            error.args = (error.message,)
        self._gave_up(error, method, path, number)
        raise error

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Retry) and exc.verdict.retry_after is not None:
            return exc.verdict.retry_after
        backoff = wait_random_exponential(
            multiplier=self.settings.backoff_base_s, max=self.settings.backoff_max_s
        )
        return float(backoff(state))

    def _before_sleep(self, state: RetryCallState, method: str, path: str) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome is not None else None
        error = exc.verdict.error if isinstance(exc, _Retry) else None
        self._emit(
            TransportEventKind.RETRY,
            method=method,
            path=path,
            attempt=state.attempt_number,
            upstream_status=None if error is None else error.upstream_status,
            delay_s=state.upcoming_sleep,
            error_code=None if error is None else error.code,
        )

    def _gave_up(self, error: UpstreamError, method: str, path: str, attempts: int) -> None:
        if isinstance(error, CircuitOpen):
            return  # already reported as FAILED_FAST
        self.stats.gave_up += 1
        self._emit(
            TransportEventKind.GAVE_UP,
            method=method,
            path=path,
            attempt=attempts,
            upstream_status=error.upstream_status,
            error_code=error.code,
            detail=error.message,
        )

    def _breaker_changed(self, state: BreakerState) -> None:
        if state is BreakerState.OPEN:
            self.stats.breaker_opened += 1
        self._emit(_BREAKER_EVENTS[state])

    def _emit(self, kind: TransportEventKind, **details: object) -> None:
        if self._on_event is None:
            return
        if isinstance(details.get("path"), str):
            details["path"] = _path_only(str(details["path"]))
        event = TransportEvent(kind=kind, vendor=self.settings.vendor, **details)  # type: ignore[arg-type]
        try:
            self._on_event(event)
        except Exception:
            # A broken listener must never break vendor traffic.
            logger.exception("transport event listener failed")


def _attempt_headers(content: bytes | None, number: int) -> dict[str, str] | None:
    headers = None if content is None else {"content-type": "application/json"}
    observation = _observation.get()
    try:
        extra = None if observation is None else observation.attempt_headers(number)
    except Exception:
        logger.exception("vendor call observer failed")
        extra = None
    if extra:
        headers = {**(headers or {}), **extra}
    return headers


def _path_only(path: str) -> str:
    """The path of a relative or absolute URL, without host, credentials or query string."""
    return httpx.URL(path).path or "/"
