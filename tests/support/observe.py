"""Waiting for a running gateway to reach a state it shows, instead of sleeping for it.

A fixed sleep assumes the machine is fast enough for the gateway, an emulator or Redis to
have got somewhere by then; a loaded CI machine often is not. These helpers poll what the
gateway itself shows (its ``/metrics`` gauges, its live state) until the condition holds, with
a generous overall timeout that only a real hang reaches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from adapters.model import Vendor
from gateway.auth.audit import AuditedLog
from gateway.log import IntegrationLog, RecordingLog
from gateway.redis.log import RedisLogStorage
from tests.support.gateway import GatewayHandle

# Long enough for any state a test waits for on a loaded machine; reached only by a hang.
PATIENCE_S = 60.0
POLL_S = 0.02

VENDOR_CALLS_WAITING = "order_gateway_vendor_calls_waiting"
SUBSCRIPTIONS_OPEN = "order_gateway_subscriptions_open"


def gauge_total(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` in a ``/metrics`` page whose labels include
    ``labels``."""
    wanted = set(labels.items())
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and wanted <= set(sample.labels.items())
    )


async def gauge(client: httpx.AsyncClient, gw: GatewayHandle, name: str, **labels: str) -> float:
    return gauge_total((await client.get(f"{gw.url}/metrics")).text, name, **labels)


async def vendor_calls_waiting(
    client: httpx.AsyncClient, gw: GatewayHandle, vendor: Vendor = Vendor.ENGAGE
) -> float:
    """The vendor's calls queued in the gateway now (for a client's share or the budget)."""
    return await gauge(client, gw, VENDOR_CALLS_WAITING, vendor=vendor.value)


async def until(
    check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = PATIENCE_S
) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout_s} s: {what}")
        await asyncio.sleep(POLL_S)


def until_sync(check: Callable[[], bool], what: str, timeout_s: float = PATIENCE_S) -> None:
    """``until`` for code outside an event loop."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout_s} s: {what}")
        time.sleep(POLL_S)


async def until_queued(
    client: httpx.AsyncClient, gw: GatewayHandle, count: int, vendor: Vendor = Vendor.ENGAGE
) -> None:
    """Until at least ``count`` of the vendor's calls are queued in the gateway."""

    async def queued() -> bool:
        return await vendor_calls_waiting(client, gw, vendor) >= count

    await until(queued, f"{count} {vendor.value} calls queued")


async def until_subscriptions_open(
    client: httpx.AsyncClient, gw: GatewayHandle, count: int, protocol: str | None = None
) -> None:
    """Until at least ``count`` subscriptions (over ``protocol``, or any) run in the gateway:
    counted once the operation is validated, i.e. after its connection has registered it."""
    labels = {} if protocol is None else {"protocol": protocol}

    async def opened() -> bool:
        return await gauge(client, gw, SUBSCRIPTIONS_OPEN, **labels) >= count

    await until(opened, f"{count} {protocol or 'any'} subscriptions open")


def log_tail_follows(log: IntegrationLog) -> bool:
    """Whether a live tail of ``log`` runs and, in Redis, its reader follows the shared stream:
    an entry recorded by any process from now on reaches it. Read from the log's own state,
    since nothing a client sees tells when a tail's first read of the stream is done."""
    recording = log.inner if isinstance(log, AuditedLog) else log
    assert isinstance(recording, RecordingLog)
    if not recording._tails:
        return False
    storage = recording._storage
    if not isinstance(storage, RedisLogStorage):
        return True  # in memory, a tail hears every entry from its start on
    reader = storage._reader
    return reader is not None and not reader.done()
