"""The gateway's Prometheus metrics, one family per thing an operator watches.

Every label takes values from a bounded set (vendors, route templates, status classes, error
codes, states): never an id, an email or a client-chosen string beyond a capped set of
operation names.

With several worker processes, ``PROMETHEUS_MULTIPROC_DIR`` names a directory that every
worker writes its values to (the ``serve --workers`` parent creates one when it is unset); a
scrape of any worker then reads all of them.
"""

from __future__ import annotations

import os
import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

# ``*_created`` series double every counter's size for a timestamp dashboards rarely use.
disable_created_metrics()  # type: ignore[no-untyped-call]

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
NAMESPACE = "order_gateway"
# Operation names are chosen by clients; past this many distinct ones they count as "other".
MAX_OPERATION_NAMES = 200
OTHER = "other"
_PLAIN_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_ERROR_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,47}")

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_JOB_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_DIR_VARIABLE) or None


def error_code_label(code: object) -> str:
    return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else "UNKNOWN"


def status_class(status: int | None) -> str:
    return "none" if status is None else f"{status // 100}xx"


class OperationNames:
    """Bounds the ``operation`` label: the first ``limit`` distinct plain names, then other."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self._limit = limit
        self._seen: set[str] = set()

    def label(self, name: object) -> str:
        # The name comes straight from the request body: anything JSON can hold.
        if not isinstance(name, str):
            return "anonymous" if name is None else OTHER
        if not name:
            return "anonymous"
        if name in self._seen:
            return name
        if len(self._seen) >= self._limit or not _PLAIN_LABEL.fullmatch(name):
            return OTHER
        self._seen.add(name)
        return name


class GatewayMetrics:
    """The metric families; build one per app (tests build several in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess_dir = multiprocess_dir()
        self.operation_names = OperationNames()
        r = self.registry
        ns = NAMESPACE
        self.operations = Counter(
            "operations",
            "GraphQL operations by name, type and outcome (ok, error, rejected)",
            ["operation", "type", "outcome"],
            namespace=ns,
            registry=r,
        )
        self.operation_duration = Histogram(
            "operation_duration_seconds",
            "Time from receiving a GraphQL operation to its result (subscriptions: to their end)",
            ["operation", "type"],
            namespace=ns,
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.errors = Counter(
            "errors",
            "Errors returned to clients, by code: GraphQL errors (kind graphql, their "
            "extensions.code) and a mutation payload's UserErrors (kind user, when selected)",
            ["kind", "code"],
            namespace=ns,
            registry=r,
        )
        self.vendor_requests = Counter(
            "vendor_requests",
            "Calls to a vendor API, by route template, final status class, whether it was "
            "retried, and outcome (ok or the error code)",
            ["vendor", "method", "route", "status_class", "retried", "outcome"],
            namespace=ns,
            registry=r,
        )
        self.vendor_request_duration = Histogram(
            "vendor_request_duration_seconds",
            "Time of one vendor call, every retry and wait included",
            ["vendor", "method", "route"],
            namespace=ns,
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.vendor_retries = Counter(
            "vendor_retries",
            "Vendor attempts that failed and were retried, by error code",
            ["vendor", "code"],
            namespace=ns,
            registry=r,
        )
        self.vendor_rate_limited = Counter(
            "vendor_rate_limited",
            "Vendor answers 429 Too Many Requests",
            ["vendor"],
            namespace=ns,
            registry=r,
        )
        self.rate_limiter_wait = Histogram(
            "rate_limiter_wait_seconds",
            "Time a vendor call waited for the client-side rate limiter",
            ["vendor"],
            namespace=ns,
            registry=r,
            buckets=_WAIT_BUCKETS,
        )
        self.vendor_calls_waiting = Gauge(
            "vendor_calls_waiting",
            "Vendor calls waiting now for their turn: their client's share, the vendor's budget",
            ["vendor", "priority"],
            namespace=ns,
            registry=r,
            multiprocess_mode="livesum",
        )
        self.breaker_state = Gauge(
            "circuit_breaker_state",
            "1 for the state a vendor's circuit breaker is in (the most severe of any process)",
            ["vendor", "state"],
            namespace=ns,
            registry=r,
            multiprocess_mode="livemax",
        )
        self.breaker_transitions = Counter(
            "circuit_breaker_transitions",
            "Circuit breaker state changes, by the state entered",
            ["vendor", "state"],
            namespace=ns,
            registry=r,
        )
        self.cache_requests = Counter(
            "cache_requests",
            "Read-cache look-ups, by result (hit or miss)",
            ["result"],
            namespace=ns,
            registry=r,
        )
        self.jobs = Counter(
            "jobs",
            "Jobs seen entering a state, by vendor, operation and state",
            ["vendor", "operation", "state"],
            namespace=ns,
            registry=r,
        )
        self.job_polls = Counter(
            "job_polls",
            "Reads of a vendor job's state by the job poller, by outcome",
            ["vendor", "outcome"],
            namespace=ns,
            registry=r,
        )
        self.job_duration = Histogram(
            "job_duration_seconds",
            "Time from a job's creation to its final state",
            ["vendor", "operation", "state"],
            namespace=ns,
            registry=r,
            buckets=_JOB_BUCKETS,
        )
        self.subscriptions_open = Gauge(
            "subscriptions_open",
            "Subscriptions running now, by transport protocol",
            ["protocol"],
            namespace=ns,
            registry=r,
            multiprocess_mode="livesum",
        )
        self.idempotent_writes = Counter(
            "idempotent_writes",
            "Writes carrying an idempotency key, by result (executed, resumed or replayed)",
            ["result"],
            namespace=ns,
            registry=r,
        )

    def exposition(self) -> tuple[bytes, str]:
        """The text a scrape answers with, and its content type."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
