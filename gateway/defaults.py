"""The gateway's defaults, each named once: ``gateway.settings`` starts from them, and the parts
that can be built without settings (in tests, tools) fall back on the same names.

A module of constants only, so reading the settings does not load the parts they configure.
"""

from __future__ import annotations

# Read cache (GATEWAY_CACHE_TTL_S): short, since a vendor change made elsewhere is seen only
# once it lapses.
DEFAULT_CACHE_TTL_S = 5.0
DEFAULT_CACHE_MAXSIZE = 10_000

# Integration-log entries kept (GATEWAY_LOG_MAX_ENTRIES); older ones are dropped first.
DEFAULT_LOG_MAX_ENTRIES = 10_000

# Seconds before each poll of a vendor job (GATEWAY_JOB_POLL_SCHEDULE); the last one repeats.
DEFAULT_POLL_DELAYS: tuple[float, ...] = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
# A job not final by then is given up as FAILED (GATEWAY_JOB_TIMEOUT_S).
DEFAULT_JOB_TIMEOUT_S = 120.0
# How long a client request's vendor calls may queue for the vendor budget before it answers
# RATE_LIMITED (GATEWAY_VENDOR_QUEUE_S): long enough to ride out a burst, short enough that a
# frontend shows "busy, retrying" well before a browser or proxy gives up on it.
DEFAULT_VENDOR_QUEUE_S = 5.0

# How long an idempotency key's claim lasts unrenewed before another process may resume the
# write (GATEWAY_IDEMPOTENCY_LEASE_S).
DEFAULT_IDEMPOTENCY_LEASE_S = 5.0

# Seconds between server pings (GATEWAY_WS_KEEPALIVE_S): well under the idle timeouts of common
# proxies and load balancers (nginx, AWS ALB: 60 s).
DEFAULT_KEEPALIVE_S = 15.0
# Operations one WebSocket may run at once (GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION).
DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 100
# Seconds a WebSocket may take to send its connection_init (GATEWAY_WS_INIT_TIMEOUT_S).
DEFAULT_WS_INIT_TIMEOUT_S = 10.0
