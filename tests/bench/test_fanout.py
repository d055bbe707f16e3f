"""The fan-out and write scenarios against a real sandbox gateway, at toy size."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from bench import fanout, writes
from bench.procs import rss_kb
from gateway.settings import load_settings
from sandbox.engage.demo import DEMO_INDEX
from tests.support.gateway import sandbox_gateway

ORDER = {
    "email": DEMO_INDEX["contacts"][0]["email"],
    "sku": DEMO_INDEX["articles"][0],
    "store": DEMO_INDEX["stores"][0],
}


@dataclass
class _InProcess:
    """The gateway runs in this test's process, so its memory is ours."""

    url: str

    def rss_kb(self) -> int:
        return rss_kb(os.getpid())


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws", "sse"])
def test_every_subscriber_hears_its_job_finish_and_the_vendor_is_polled_per_job(
    protocol: str,
) -> None:
    with sandbox_gateway() as gw:
        result = fanout.run(
            _InProcess(gw.url),
            gw.engage_url,
            jobs=2,
            per_job=3,
            job_delay_ms=300,
            run_id=f"t1-{protocol}",
            order=ORDER,
            protocol=protocol,
        )

    assert result.errors == []
    assert (result.subscribers, result.subscribed, result.delivered) == (6, 6, 6)
    assert result.live == 6 and result.idle_when_measured
    assert 2 <= result.polls < 6 * 10
    assert result.rss_idle_kb > 0 and result.rss_before_kb > 0
    assert 0 <= result.first_to_last_ms < 5000
    names = [f.name for f in fanout.findings("fan-out", result, result)]
    assert "gateway RSS per idle subscriber" in names


def test_the_gateway_under_a_fan_out_admits_every_subscriber_and_the_writes() -> None:
    env = fanout.gateway_env(1000)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        limits = load_settings().connections
    assert limits.max_connections >= 1000 + 1


def test_a_written_order_is_seen_completed() -> None:
    with sandbox_gateway() as gw:
        seconds = writes.time_to_completed(gw.url, "t2", 2, ORDER, timeout_s=20)

    assert len(seconds) == 2
    assert all(0 < s < 20 for s in seconds)
