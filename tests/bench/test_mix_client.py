"""The realistic mix's client: its stale-read judgement, and a short real run against the
gateway in sandbox mode with orders seeded on its Engage emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from bench import realistic
from bench.mix_client import Mix, OrderState, _main
from tests.support.gateway import sandbox_gateway


def test_a_read_started_after_a_write_was_done_must_see_it() -> None:
    state = OrderState("c1")
    state.done.append((5.0, 10.0))
    assert state.expected_at(9.0) == 0.0  # started before the write was done: anything goes
    assert state.expected_at(11.0) == 5.0


async def test_an_older_version_read_after_a_write_counts_as_stale() -> None:
    plan: dict[str, Any] = {
        "dialect": "gateway",
        "url": "http://127.0.0.1:9/graphql",
        "orders": [{"orderId": "A", "contact": "c1"}, {"orderId": "B", "contact": "c1"}],
        "zipf_s": 1.1,
    }
    async with aiohttp.ClientSession() as session:
        mix = Mix(plan, session, session)
        mix.orders["A"].done.append((7.0, 1.0))
        mix.check_versions("order read", 2.0, {"A": 6.0, "B": 0.0})
        mix.check_versions("order read", 2.0, {"A": 7.0})
    assert dict(mix.tally.stale) == {"order read": 1}


def test_a_short_mix_against_the_gateway_is_served_without_errors_or_stale_reads() -> None:
    with sandbox_gateway() as gw:
        orders = realistic.seed_orders(gw.engage_url, "MIXT", month=1, count=20)
        plan = {
            "dialect": "gateway",
            "url": gw.graphql_url,
            "orders": orders,
            "zipf_s": realistic.ZIPF_S,
            "mix": {"read": 0.6, "page": 0.2, "write": 0.2},
            "clients": 5,
            "seconds": 2.0,
        }
        result = asyncio.run(_main(plan))
    assert result["requests"] > 0
    assert set(result["by_kind"]) == {"order read", "contact page", "write"}
    assert result["errors"] == {} and result["job_check_errors"] == {}
    assert result["stale_count"] == 0
    assert result["writes_done"] > 0
