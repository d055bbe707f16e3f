"""What a transport reports to its observer and asks of its limiter, against a real server."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pytest

from adapters.errors import VendorUnavailable
from adapters.model import Vendor
from adapters.transport import CallObservation, VendorTransport
from tests.adapters.transport.scripted import ScriptedVendor, Step
from tests.adapters.transport.test_client import SECRET, settings
from tests.support.servers import LoopbackServer, serve


@dataclass
class RecordedCall:
    vendor: Vendor
    method: str
    path: str
    attempts: list[int] = field(default_factory=list)
    ended: tuple[int | None, str | None] | None = None

    def attempt_headers(self, attempt: int) -> Mapping[str, str] | None:
        self.attempts.append(attempt)
        return {"traceparent": f"00-{'1' * 32}-{attempt:016x}-01"}

    def finish(self, *, status: int | None, error_code: str | None) -> None:
        assert self.ended is None, "finished twice"
        self.ended = (status, error_code)


@dataclass
class Recorder:
    calls: list[RecordedCall] = field(default_factory=list)

    def call(self, vendor: Vendor, method: str, path: str) -> CallObservation:
        self.calls.append(RecordedCall(vendor, method, path))
        return self.calls[-1]


@dataclass
class CountingLimiter:
    acquired: int = 0

    async def acquire(self) -> None:
        self.acquired += 1


@pytest.fixture
def vendor() -> Iterator[tuple[ScriptedVendor, LoopbackServer]]:
    scripted = ScriptedVendor()
    with serve(scripted.app) as server:
        yield scripted, server


async def test_each_call_is_observed_once_and_each_attempt_carries_its_headers(
    vendor: tuple[ScriptedVendor, LoopbackServer],
) -> None:
    scripted, server = vendor
    scripted.then(Step(status=503), Step(status=200))
    recorder, limiter = Recorder(), CountingLimiter()
    async with VendorTransport(
        settings(server.url), observer=recorder, limiter=limiter
    ) as transport:
        response = await transport.request("GET", "/api/v3/orders/A-1", params={"q": "x"})
    assert response.status_code == 200
    [call] = recorder.calls
    # The path only: no host, no query string, nothing of the credentials.
    assert (call.vendor, call.method, call.path) == (Vendor.ENGAGE, "GET", "/api/v3/orders/A-1")
    assert call.attempts == [1, 2]
    assert call.ended == (200, None)
    assert limiter.acquired == 2  # every attempt is paced, the retry too
    sent = [hit.headers.get("traceparent") for hit in scripted.hits]
    assert sent == [f"00-{'1' * 32}-{n:016x}-01" for n in (1, 2)]
    assert all(SECRET not in value for c in recorder.calls for value in (c.path, c.method))


async def test_a_failed_call_ends_with_the_last_status_and_its_error_code(
    vendor: tuple[ScriptedVendor, LoopbackServer],
) -> None:
    scripted, server = vendor
    scripted.default = Step(status=503)
    recorder = Recorder()
    async with VendorTransport(
        settings(server.url, max_attempts=2), observer=recorder
    ) as transport:
        with pytest.raises(VendorUnavailable):
            await transport.request("GET", "/orders/ES-1")
    [call] = recorder.calls
    assert call.attempts == [1, 2]
    assert call.ended == (503, "VENDOR_UNAVAILABLE")


async def test_without_an_observer_nothing_is_added_to_the_request(
    vendor: tuple[ScriptedVendor, LoopbackServer],
) -> None:
    scripted, server = vendor
    async with VendorTransport(settings(server.url)) as transport:
        await transport.request("POST", "/orders", json={"a": 1})
    assert "traceparent" not in scripted.hits[0].headers
    assert scripted.hits[0].headers["content-type"] == "application/json"


class BrokenObservation:
    def attempt_headers(self, attempt: int) -> Mapping[str, str] | None:
        raise RuntimeError("observer bug")

    def finish(self, *, status: int | None, error_code: str | None) -> None:
        raise RuntimeError("observer bug")


class BrokenObserver:
    def __init__(self, fail_at_start: bool) -> None:
        self.fail_at_start = fail_at_start

    def call(self, vendor: Vendor, method: str, path: str) -> CallObservation:
        if self.fail_at_start:
            raise RuntimeError("observer bug")
        return BrokenObservation()


@pytest.mark.parametrize("fail_at_start", [True, False])
async def test_a_broken_observer_never_breaks_vendor_traffic(
    vendor: tuple[ScriptedVendor, LoopbackServer], fail_at_start: bool
) -> None:
    scripted, server = vendor
    async with VendorTransport(
        settings(server.url), observer=BrokenObserver(fail_at_start)
    ) as transport:
        response = await transport.request("GET", "/orders/ES-1")
    assert response.status_code == 200
    assert len(scripted.hits) == 1
