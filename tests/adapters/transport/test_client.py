"""VendorTransport against real loopback servers: retries, policies, limiter, breaker, errors.

Every test runs over each route the transport can be configured with: straight to the vendor,
and through a forward proxy named in the environment.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from adapters.errors import (
    BadVendorResponse,
    CircuitOpen,
    RateLimited,
    UpstreamError,
    UpstreamTimeout,
    ValidationFailed,
    VendorUnavailable,
    WriteOutcomeUnknown,
)
from adapters.model import Vendor
from adapters.transport import (
    BreakerState,
    RetryPolicy,
    TransportEvent,
    TransportEventKind,
    TransportSettings,
    VendorTransport,
)
from tests.adapters.transport.scripted import ScriptedVendor, Step, dropping_server
from tests.support.proxy import VendorRoute
from tests.support.servers import LoopbackServer, serve

pytestmark = pytest.mark.usefixtures("vendor_route")

SECRET = "key-SECRET-4711"
Served = tuple[ScriptedVendor, LoopbackServer]


def settings(url: str, **overrides: object) -> TransportSettings:
    values: dict[str, object] = {
        "base_url": url,
        "headers": {"apikey": SECRET, "User-Agent": "order-gateway/test"},
        "vendor": Vendor.ENGAGE,
        "timeout_s": 2.0,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
    }
    values.update(overrides)
    return TransportSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def vendor() -> Iterator[tuple[ScriptedVendor, LoopbackServer]]:
    scripted = ScriptedVendor()
    with serve(scripted.app) as server:
        yield scripted, server


def state_of(transport: VendorTransport) -> BreakerState:
    # A function call, so the type checker does not pin the state from an earlier assert.
    return transport.breaker.state


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def assert_nothing_leaks(error: Exception, url: str) -> None:
    text = f"{error} {error!r} {getattr(error, 'message', '')}"
    assert SECRET not in text
    assert url not in text
    assert "127.0.0.1" not in text


async def test_answers_pass_through_with_headers_and_no_redirect_following(
    vendor: Served, vendor_route: VendorRoute
) -> None:
    scripted, server = vendor
    scripted.then(Step(status=302, headers={"location": "/api/v3/orders/A"}, body=b'{"x":1}'))
    async with VendorTransport(settings(server.url)) as transport:
        response = await transport.request("POST", "/api/v3/orders", json={"a": 1})
    assert response.status_code == 302
    assert response.json() == {"x": 1}
    (hit,) = scripted.hits
    assert hit.headers["apikey"] == SECRET
    assert hit.headers["user-agent"] == "order-gateway/test"
    assert hit.headers["content-type"] == "application/json"
    assert hit.body == b'{"a":1}'
    if vendor_route.proxy is not None:
        assert vendor_route.proxy.requests == [f"POST {server.url}/api/v3/orders"]


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422])
async def test_client_errors_are_returned_not_retried(vendor: Served, status: int) -> None:
    scripted, server = vendor
    scripted.default = Step(status=status)
    async with VendorTransport(settings(server.url)) as transport:
        response = await transport.request("GET", "/x")
    assert response.status_code == status
    assert len(scripted.hits) == 1
    assert transport.breaker.consecutive_failures == 0


async def test_safe_request_retries_503_then_succeeds_and_reports(vendor: Served) -> None:
    scripted, server = vendor
    scripted.then(Step(status=503), Step(status=503))
    events: list[TransportEvent] = []
    async with VendorTransport(settings(server.url), on_event=events.append) as transport:
        response = await transport.request("GET", "/api/v3/orders/A?email=x@example.com")
    assert response.status_code == 200
    assert len(scripted.hits) == 3
    retries = [e for e in events if e.kind is TransportEventKind.RETRY]
    assert [e.attempt for e in retries] == [1, 2]
    assert all(e.upstream_status == 503 and e.path == "/api/v3/orders/A" for e in retries)
    assert transport.stats.retries == 2 and transport.stats.attempts == 3


async def test_retry_after_seconds_is_honoured(vendor: Served) -> None:
    scripted, server = vendor
    scripted.then(Step(status=429, headers={"retry-after": "0.4"}))
    events: list[TransportEvent] = []
    async with VendorTransport(settings(server.url), on_event=events.append) as transport:
        response = await transport.request("GET", "/x")
    assert response.status_code == 200
    first, second = scripted.hits
    assert second.at - first.at >= 0.38
    assert [e.kind for e in events] == [TransportEventKind.RATE_LIMITED, TransportEventKind.RETRY]
    assert events[1].delay_s == pytest.approx(0.4)


async def test_retry_after_beyond_the_cap_gives_up_at_once(vendor: Served) -> None:
    scripted, server = vendor
    scripted.default = Step(status=429, headers={"retry-after": "120"})
    async with VendorTransport(settings(server.url, retry_after_max_s=5)) as transport:
        with pytest.raises(RateLimited) as caught:
            await transport.request("GET", "/x")
    assert caught.value.retry_after == 120
    assert caught.value.upstream_status == 429
    assert len(scripted.hits) == 1


async def test_rate_limited_until_attempts_run_out(vendor: Served) -> None:
    scripted, server = vendor
    scripted.default = Step(status=429, headers={"retry-after": "0"})
    events: list[TransportEvent] = []
    async with VendorTransport(
        settings(server.url, max_attempts=3), on_event=events.append
    ) as transport:
        with pytest.raises(RateLimited) as caught:
            await transport.request("POST", "/orders", json={}, retry=RetryPolicy.NEVER_BLIND)
    assert len(scripted.hits) == 3
    assert caught.value.vendor is Vendor.ENGAGE
    assert caught.value.retry_after == 0
    assert events[-1].kind is TransportEventKind.GAVE_UP
    assert events[-1].error_code == "RATE_LIMITED"
    assert events[-1].attempt == 3
    # Being told to slow down says nothing bad about the vendor's health.
    assert transport.breaker.state is BreakerState.CLOSED
    assert_nothing_leaks(caught.value, server.url)


async def test_safe_500_is_not_retried(vendor: Served) -> None:
    scripted, server = vendor
    scripted.default = Step(status=500)
    async with VendorTransport(settings(server.url)) as transport:
        with pytest.raises(VendorUnavailable) as caught:
            await transport.request("GET", "/x")
    assert len(scripted.hits) == 1
    assert caught.value.upstream_status == 500
    assert not isinstance(caught.value, WriteOutcomeUnknown)


@pytest.mark.parametrize(("status", "error"), [(502, VendorUnavailable), (504, UpstreamTimeout)])
async def test_safe_gateway_errors_are_retried_then_raised(
    vendor: Served, status: int, error: type[UpstreamError]
) -> None:
    scripted, server = vendor
    scripted.default = Step(status=status)
    async with VendorTransport(settings(server.url, max_attempts=3)) as transport:
        with pytest.raises(error) as caught:
            await transport.request("DELETE", "/x")
    assert len(scripted.hits) == 3
    assert caught.value.upstream_status == status
    assert_nothing_leaks(caught.value, server.url)


async def test_safe_read_timeout_is_retried_then_upstream_timeout(vendor: Served) -> None:
    scripted, server = vendor
    scripted.default = Step(delay_s=0.6)
    async with VendorTransport(settings(server.url, timeout_s=0.15, max_attempts=2)) as transport:
        started = time.monotonic()
        with pytest.raises(UpstreamTimeout) as caught:
            await transport.request("GET", "/x")
    assert time.monotonic() - started < 1.0
    assert len(scripted.hits) == 2
    assert_nothing_leaks(caught.value, server.url)


@pytest.mark.parametrize("status", [429, 503])
async def test_never_blind_retries_what_the_vendor_refused(vendor: Served, status: int) -> None:
    scripted, server = vendor
    scripted.then(Step(status=status, headers={"retry-after": "0"}))
    scripted.default = Step(status=202)
    async with VendorTransport(settings(server.url)) as transport:
        response = await transport.request(
            "POST", "/orders", json={"orderId": "A"}, retry=RetryPolicy.NEVER_BLIND
        )
    assert response.status_code == 202
    assert len(scripted.hits) == 2


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_never_blind_does_not_resend_after_an_ambiguous_answer(
    vendor: Served, status: int
) -> None:
    scripted, server = vendor
    scripted.default = Step(status=status)
    async with VendorTransport(settings(server.url)) as transport:
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await transport.request("POST", "/orders", json={}, retry=RetryPolicy.NEVER_BLIND)
    assert len(scripted.hits) == 1
    assert caught.value.upstream_status == status
    assert transport.stats.outcome_unknown == 1


async def test_never_blind_read_timeout_is_outcome_unknown(vendor: Served) -> None:
    scripted, server = vendor
    scripted.default = Step(delay_s=0.5)
    async with VendorTransport(settings(server.url, timeout_s=0.15)) as transport:
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await transport.request("POST", "/orders", json={}, retry=RetryPolicy.NEVER_BLIND)
    assert len(scripted.hits) == 1
    assert "timed out" in caught.value.message
    assert_nothing_leaks(caught.value, server.url)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_a_write_dropped_after_sending_goes_out_once_whatever_its_method(method: str) -> None:
    # HTTP calls PUT and DELETE idempotent and some clients resend them by themselves after a
    # drop; a vendor write may still not be safe to repeat blind (an Engage replacement).
    async with (
        dropping_server() as dropper,
        VendorTransport(settings(dropper.url, max_attempts=3)) as transport,
    ):
        with pytest.raises(WriteOutcomeUnknown):
            await transport.request(method, "/orders/A", json={}, retry=RetryPolicy.NEVER_BLIND)
        assert dropper.connections == 1


async def test_dropped_connection_write_is_not_resent_read_is() -> None:
    async with (
        dropping_server() as dropper,
        VendorTransport(settings(dropper.url, max_attempts=3)) as transport,
    ):
        with pytest.raises(WriteOutcomeUnknown) as caught:
            await transport.request("POST", "/orders", json={}, retry=RetryPolicy.NEVER_BLIND)
        assert dropper.connections == 1
        assert_nothing_leaks(caught.value, dropper.url)
        with pytest.raises(VendorUnavailable) as read_error:
            await transport.request("GET", "/orders/A")
        assert dropper.connections == 4
        assert not isinstance(read_error.value, WriteOutcomeUnknown)


async def test_connection_refused_write_is_retried_because_nothing_was_sent(
    vendor_route: VendorRoute,
) -> None:
    url = closed_port_url()
    events: list[TransportEvent] = []
    async with VendorTransport(settings(url, max_attempts=3), on_event=events.append) as transport:
        with pytest.raises(UpstreamError) as caught:
            await transport.request("POST", "/orders", json={}, retry=RetryPolicy.NEVER_BLIND)
    assert_nothing_leaks(caught.value, url)
    if vendor_route.proxy is not None:
        # A proxy answers 502 when it cannot reach the vendor, the same 502 it gives when the
        # vendor dropped a request it had received: the write is not resent blind.
        assert isinstance(caught.value, WriteOutcomeUnknown)
        assert transport.stats.attempts == 1
        return
    assert isinstance(caught.value, VendorUnavailable)
    assert transport.stats.attempts == 3
    assert [e.kind for e in events].count(TransportEventKind.RETRY) == 2


async def test_an_unreachable_https_vendor_write_is_retried_because_nothing_was_sent(
    vendor_route: VendorRoute,
) -> None:
    # Through a proxy an https vendor is reached by a CONNECT tunnel, whose refusal proves that
    # nothing reached the vendor; straight, it is the refused connection itself.
    url = closed_port_url().replace("http://", "https://")
    async with VendorTransport(settings(url, max_attempts=3)) as transport:
        with pytest.raises(VendorUnavailable) as caught:
            await transport.request("POST", "/orders", json={}, retry=RetryPolicy.NEVER_BLIND)
    assert not isinstance(caught.value, WriteOutcomeUnknown)
    assert transport.stats.attempts == 3
    assert_nothing_leaks(caught.value, url)
    if vendor_route.proxy is not None:
        assert len(vendor_route.proxy.requests) == 3
        assert all(line.startswith("CONNECT 127.0.0.1:") for line in vendor_route.proxy.requests)


# Long enough that an open breaker stays open through the checks right after it opened, on a
# busy machine too.
BREAKER_RESET_S = 1.0


async def test_breaker_opens_fails_fast_then_recovers_through_one_probe(vendor: Served) -> None:
    scripted, server = vendor
    scripted.default = Step(status=503)
    events: list[TransportEvent] = []
    cfg = settings(
        server.url, max_attempts=1, breaker_failure_threshold=3, breaker_reset_s=BREAKER_RESET_S
    )
    async with VendorTransport(cfg, on_event=events.append) as transport:
        for _ in range(3):
            with pytest.raises(VendorUnavailable):
                await transport.request("GET", "/x")
        assert transport.breaker.state is BreakerState.OPEN
        with pytest.raises(CircuitOpen) as fast:
            await transport.request("GET", "/x")
        assert len(scripted.hits) == 3  # failing fast never reached the vendor
        assert fast.value.vendor is Vendor.ENGAGE
        assert_nothing_leaks(fast.value, server.url)

        await asyncio.sleep(BREAKER_RESET_S + 0.05)
        scripted.default = Step(status=200)
        # Concurrent callers during the half-open probe fail fast; only one goes out.
        results = await asyncio.gather(
            *(transport.request("GET", "/x") for _ in range(3)), return_exceptions=True
        )
        assert sum(not isinstance(r, Exception) for r in results) == 1
        assert all(isinstance(r, CircuitOpen) for r in results if isinstance(r, Exception))
        assert state_of(transport) is BreakerState.CLOSED
        assert (await transport.request("GET", "/x")).status_code == 200
    kinds = [e.kind for e in events]
    assert kinds.index(TransportEventKind.BREAKER_OPENED) < kinds.index(
        TransportEventKind.BREAKER_HALF_OPEN
    )
    assert kinds[-1] is not TransportEventKind.BREAKER_OPENED
    assert TransportEventKind.BREAKER_CLOSED in kinds
    assert transport.stats.breaker_opened == 1


async def test_failed_probe_reopens_the_breaker(vendor: Served) -> None:
    scripted, server = vendor
    scripted.default = Step(status=503)
    cfg = settings(
        server.url, max_attempts=1, breaker_failure_threshold=1, breaker_reset_s=BREAKER_RESET_S
    )
    async with VendorTransport(cfg) as transport:
        with pytest.raises(VendorUnavailable):
            await transport.request("GET", "/x")
        await asyncio.sleep(BREAKER_RESET_S + 0.05)
        with pytest.raises(VendorUnavailable):
            await transport.request("GET", "/x")  # the probe
        assert transport.breaker.state is BreakerState.OPEN
        with pytest.raises(CircuitOpen):
            await transport.request("GET", "/x")
    assert len(scripted.hits) == 2


async def test_client_side_limiter_paces_bursts(vendor: Served) -> None:
    scripted, server = vendor
    async with VendorTransport(settings(server.url, rate_per_second=50)) as transport:
        started = time.monotonic()
        await asyncio.gather(*(transport.request("GET", f"/o/{i}") for i in range(40)))
        elapsed = time.monotonic() - started
    # A bucket of 5 passes at once, the other 35 drip out at 50/s (measured on our side:
    # the server's arrival times bunch up when the machine is busy).
    assert elapsed >= 0.6
    arrivals = sorted(hit.at for hit in scripted.hits)
    assert len(arrivals) == 40
    assert arrivals[-1] - arrivals[0] >= 0.4


async def test_absolute_links_followed_only_on_the_vendors_origin(vendor: Served) -> None:
    scripted, server = vendor
    async with VendorTransport(settings(server.url)) as transport:
        page = await transport.request("GET", f"{server.url}/api/v3/orders?offset=10&count=5")
        assert page.status_code == 200
        with pytest.raises(BadVendorResponse) as caught:
            await transport.request("GET", "http://evil.example:81/api/v3/orders?offset=10")
    assert [(h.path, h.query) for h in scripted.hits] == [("/api/v3/orders", "offset=10&count=5")]
    assert "evil" not in str(caught.value)


async def test_a_broken_event_listener_does_not_break_requests(vendor: Served) -> None:
    scripted, server = vendor
    scripted.then(Step(status=503))

    def explode(event: TransportEvent) -> None:
        raise RuntimeError("listener bug")

    async with VendorTransport(settings(server.url), on_event=explode) as transport:
        assert (await transport.request("GET", "/x")).status_code == 200


async def test_a_body_that_is_not_json_is_refused_before_sending(vendor: Served) -> None:
    scripted, server = vendor
    async with VendorTransport(settings(server.url)) as transport:
        with pytest.raises(ValidationFailed) as caught:
            await transport.request("POST", "/orders", json={"data": {1, 2}})
    assert caught.value.vendor is Vendor.ENGAGE
    assert scripted.hits == []
