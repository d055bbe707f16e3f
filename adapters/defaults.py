"""Defaults of every vendor adapter's transport that the gateway's settings start from, named
once (a module of constants only, so reading them loads no HTTP client)."""

from __future__ import annotations

DEFAULT_TIMEOUT_S = 10.0
# Engage asks integrations to stay under 50 req/s per key (engage-v3.md §8); ExpertSender
# documents no limit, and the same pace stays polite there.
DEFAULT_RATE_PER_SECOND = 40.0
