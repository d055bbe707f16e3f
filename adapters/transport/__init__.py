"""Safe HTTP to the vendors: pooled connections, timeouts, retries that never resend a write
blindly, a client-side rate limiter and a circuit breaker, failures mapped to
``adapters.errors``.

    transport = VendorTransport(TransportSettings(base_url=..., headers=..., vendor=...))
    response = await transport.request("GET", "/api/v3/orders/A-1")
    job = await transport.request("POST", "/api/v3/orders", json=body,
                                  retry=RetryPolicy.NEVER_BLIND)
"""

from adapters.transport._breaker import BreakerState, CircuitBreaker
from adapters.transport._client import VendorTransport
from adapters.transport._deadline import (
    Deadline,
    current_deadline,
    fresh_deadline,
    no_slot_in_time,
    queue_deadline,
    vendor_call_deadline,
    vendor_call_patience,
    wait_for_turn,
)
from adapters.transport._events import TransportEvent, TransportEventKind, TransportStats
from adapters.transport._json import response_json
from adapters.transport._limiter import RateLimiter, local_limiter
from adapters.transport._observer import CallObservation, CallObserver
from adapters.transport._outcomes import parse_retry_after
from adapters.transport._paths import path_segment
from adapters.transport._priority import (
    DEFAULT_QUEUE_WAIT_S,
    PriorityGate,
    SharedPriority,
    TurnOrder,
    VendorCallPriority,
    current_priority,
    following_priority,
    vendor_call_priority,
)
from adapters.transport._settings import (
    RetryPolicy,
    TransportKnobs,
    TransportSettings,
    VendorClientSettings,
)

__all__ = [
    "DEFAULT_QUEUE_WAIT_S",
    "BreakerState",
    "CallObservation",
    "CallObserver",
    "CircuitBreaker",
    "Deadline",
    "PriorityGate",
    "RateLimiter",
    "RetryPolicy",
    "SharedPriority",
    "TransportEvent",
    "TransportEventKind",
    "TransportKnobs",
    "TransportSettings",
    "TransportStats",
    "TurnOrder",
    "VendorCallPriority",
    "VendorClientSettings",
    "VendorTransport",
    "current_deadline",
    "current_priority",
    "following_priority",
    "fresh_deadline",
    "local_limiter",
    "no_slot_in_time",
    "parse_retry_after",
    "path_segment",
    "queue_deadline",
    "response_json",
    "vendor_call_deadline",
    "vendor_call_patience",
    "vendor_call_priority",
    "wait_for_turn",
]
