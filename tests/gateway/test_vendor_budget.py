"""Which rate limiter a vendor key gets: its share per process, or the shared Redis budget."""

from __future__ import annotations

import pytest
from aiolimiter import AsyncLimiter

from adapters.model import Vendor
from gateway.redis import SharedState
from gateway.redis.rate_budget import RedisRateBudget
from gateway.vendor_budget import vendor_limiter


@pytest.mark.parametrize("processes", [1, 4])
def test_without_redis_each_process_keeps_its_share_of_the_rate(processes: int) -> None:
    limiter = vendor_limiter(Vendor.ENGAGE, "k", 40.0, processes=processes, shared=None)
    assert isinstance(limiter, AsyncLimiter)
    assert limiter.max_rate / limiter.time_period == pytest.approx(40.0 / processes)


def test_with_redis_every_process_books_the_one_budget(shared_state: SharedState) -> None:
    limiter = vendor_limiter(Vendor.ENGAGE, "k", 40.0, processes=4, shared=shared_state)
    assert isinstance(limiter, RedisRateBudget)
