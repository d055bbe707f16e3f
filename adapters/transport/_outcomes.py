"""How one attempt ended, and what that means: return it, retry it, or give up with which error.

The rules differ by ``RetryPolicy``: for ``NEVER_BLIND`` only an answer or failure that proves
the vendor never ran the handler (connect failure, a 429 or 503 the vendor itself answered)
may be retried; anything after the request may have reached the handler is ambiguous.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import httpx

from adapters.errors import (
    RateLimited,
    UpstreamError,
    UpstreamTimeout,
    VendorUnavailable,
    WriteOutcomeUnknown,
)
from adapters.model import Vendor
from adapters.transport._settings import RetryPolicy

VENDOR_LABELS = {Vendor.ENGAGE: "Engage", Vendor.EXPERTSENDER: "ExpertSender"}


class Health(StrEnum):
    """What an attempt says about the vendor, for the circuit breaker."""

    UP = "UP"
    DOWN = "DOWN"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class Verdict:
    """An attempt that did not simply succeed."""

    error: UpstreamError  # raised when not retried or when the attempts run out
    retryable: bool
    health: Health
    retry_after: float | None = None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def judge_response(
    response: httpx.Response, policy: RetryPolicy, vendor: Vendor, where: str
) -> Verdict | None:
    """``None`` when the response goes back to the caller (2xx-4xx except 429)."""
    status = response.status_code
    label = VENDOR_LABELS[vendor]
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        limited = RateLimited(
            f"{label} rate limit exceeded ({where})",
            retry_after=retry_after,
            vendor=vendor,
            upstream_status=status,
        )
        # The vendor refused the request outright, so even a create may be resent.
        return Verdict(limited, retryable=True, health=Health.UNKNOWN, retry_after=retry_after)
    if status < 500:
        return None
    if status == 503:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        error = VendorUnavailable(
            f"{label} is unavailable (HTTP 503, {where})", vendor=vendor, upstream_status=status
        )
        return Verdict(error, retryable=True, health=Health.DOWN, retry_after=retry_after)
    if policy is RetryPolicy.NEVER_BLIND and status in (500, 502, 504):
        # A gateway error or a crash may come after the handler stored the write.
        return Verdict(
            WriteOutcomeUnknown(
                f"{label} answered HTTP {status} to a write ({where}); it may have landed",
                vendor=vendor,
                upstream_status=status,
            ),
            retryable=False,
            health=Health.DOWN,
        )
    if status == 504:
        gateway_timeout: UpstreamError = UpstreamTimeout(
            f"{label} timed out behind its gateway (HTTP 504, {where})",
            vendor=vendor,
            upstream_status=status,
        )
        return Verdict(gateway_timeout, retryable=True, health=Health.DOWN)
    error = VendorUnavailable(
        f"{label} failed (HTTP {status}, {where})", vendor=vendor, upstream_status=status
    )
    return Verdict(error, retryable=status == 502, health=Health.DOWN)


def judge_exception(
    exc: httpx.HTTPError, policy: RetryPolicy, vendor: Vendor, where: str, timeout_s: float
) -> Verdict:
    label = VENDOR_LABELS[vendor]
    kind = type(exc).__name__
    if isinstance(exc, httpx.PoolTimeout):
        # Our own pool was exhausted: nothing was sent and the vendor is not to blame.
        return Verdict(
            UpstreamTimeout(f"no free connection to {label} ({where})", vendor=vendor),
            retryable=True,
            health=Health.UNKNOWN,
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return Verdict(
            UpstreamTimeout(
                f"{label} did not accept a connection within {timeout_s:g} s ({where})",
                vendor=vendor,
            ),
            retryable=True,
            health=Health.DOWN,
        )
    # No connection, or a proxy that refused to open a tunnel: nothing reached the vendor.
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
        return Verdict(
            VendorUnavailable(f"{label} is unreachable ({kind}, {where})", vendor=vendor),
            retryable=True,
            health=Health.DOWN,
        )
    if isinstance(exc, httpx.TimeoutException | httpx.TransportError) and not isinstance(
        exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError
    ):
        timed_out = isinstance(exc, httpx.TimeoutException)
        if policy is RetryPolicy.NEVER_BLIND:
            what = "timed out" if timed_out else f"dropped the connection ({kind})"
            return Verdict(
                WriteOutcomeUnknown(
                    f"{label} {what} after a write was sent ({where}); it may have landed",
                    vendor=vendor,
                ),
                retryable=False,
                health=Health.DOWN,
            )
        error: UpstreamError = (
            UpstreamTimeout(
                f"{label} did not answer within {timeout_s:g} s ({where})", vendor=vendor
            )
            if timed_out
            else VendorUnavailable(
                f"{label} dropped the connection ({kind}, {where})", vendor=vendor
            )
        )
        return Verdict(error, retryable=True, health=Health.DOWN)
    # Our own mistake (bad URL scheme, malformed request): retrying cannot help.
    return Verdict(
        VendorUnavailable(f"request to {label} could not be sent ({kind}, {where})", vendor=vendor),
        retryable=False,
        health=Health.UNKNOWN,
    )
