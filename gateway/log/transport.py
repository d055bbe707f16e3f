"""Transport events (retries, rate limits, exhausted retries, circuit breaker) into the log.

Backends are built before the log exists, so they get a ``TransportEventRelay`` to report to;
``build_services`` attaches the log once it is made. Events before that are only counted.
"""

from __future__ import annotations

from adapters.model import LogSeverity
from adapters.transport import TransportEvent, TransportEventKind
from gateway.log.base import IntegrationLog

_SEVERITY = {
    TransportEventKind.RETRY: LogSeverity.INFO,
    TransportEventKind.RATE_LIMITED: LogSeverity.WARNING,
    TransportEventKind.GAVE_UP: LogSeverity.ERROR,
    TransportEventKind.BREAKER_OPENED: LogSeverity.ERROR,
    TransportEventKind.BREAKER_HALF_OPEN: LogSeverity.INFO,
    TransportEventKind.BREAKER_CLOSED: LogSeverity.INFO,
    TransportEventKind.FAILED_FAST: LogSeverity.WARNING,
}


def describe(event: TransportEvent) -> str:
    request = f"{event.method} {event.path}" if event.method and event.path else "a request"
    match event.kind:
        case TransportEventKind.RETRY:
            return f"Retrying {request} (attempt {event.attempt}) in {event.delay_s or 0:.2f}s"
        case TransportEventKind.RATE_LIMITED:
            return f"{event.vendor.value} rate-limited {request}"
        case TransportEventKind.GAVE_UP:
            return f"Gave up on {request} after {event.attempt} attempt(s)"
        case TransportEventKind.BREAKER_OPENED:
            return f"{event.vendor.value} keeps failing: calls fail fast for a while"
        case TransportEventKind.BREAKER_HALF_OPEN:
            return f"Probing {event.vendor.value} again"
        case TransportEventKind.BREAKER_CLOSED:
            return f"{event.vendor.value} answers again"
        case TransportEventKind.FAILED_FAST:
            return f"{request} not sent: {event.vendor.value} is failing"
    return f"{event.kind.value} on {request}"


class TransportEventRelay:
    """Pass as ``on_event`` to every backend; forwards to the attached log."""

    def __init__(self) -> None:
        self._log: IntegrationLog | None = None
        self.unlogged = 0

    def attach(self, log: IntegrationLog) -> None:
        self._log = log

    def __call__(self, event: TransportEvent) -> None:
        if self._log is None:
            self.unlogged += 1
            return
        facts: dict[str, object] = {
            "method": event.method,
            "path": event.path,
            "attempt": event.attempt,
            "upstream_status": event.upstream_status,
            "delay_s": event.delay_s,
            "detail": event.detail,
        }
        details: dict[str, object] = {"kind": event.kind.value}
        details.update((name, value) for name, value in facts.items() if value is not None)
        self._log.record(
            _SEVERITY.get(event.kind, LogSeverity.WARNING),
            event.error_code or f"TRANSPORT_{event.kind.value}",
            describe(event),
            vendor=event.vendor,
            details=details,
        )
