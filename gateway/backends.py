"""Each vendor's adapter, pointed at the real API or at its emulator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from adapters.backend import Backend
from adapters.engage import EngageSettings
from adapters.expertsender import ExpertSenderSettings
from adapters.model import Vendor
from adapters.transport import CallObserver, RateLimiter, TransportEvent, VendorTransport
from gateway.emulators import sandbox_api_key
from gateway.settings import GatewaySettings, JobSettings, VendorSettings


@dataclass(frozen=True, slots=True)
class VendorEndpoint:
    vendor: Vendor
    base_url: str
    api_key: str = field(repr=False)
    sandbox: bool
    settings: VendorSettings


def build_backend(
    endpoint: VendorEndpoint,
    on_event: Callable[[TransportEvent], None] | None = None,
    *,
    jobs: JobSettings | None = None,
    job_signing_key: str | None = None,
    limiter: RateLimiter | None = None,
    observer: CallObserver | None = None,
) -> Backend:
    """The vendor's adapter, pointed at the real API or at its emulator. ``jobs``: a lost
    write is looked for on the job-poll schedule up to the job timeout; ``job_signing_key``
    signs the ids of synchronous vendors' jobs (derived from the API key when None)."""
    url, key = endpoint.base_url, endpoint.api_key
    timeout_s, rate = endpoint.settings.timeout_s, endpoint.settings.rate_limit_per_s
    jobs = jobs or JobSettings()

    def transport(client: EngageSettings | ExpertSenderSettings) -> VendorTransport:
        return VendorTransport(
            client.transport_settings(), on_event=on_event, limiter=limiter, observer=observer
        )

    if endpoint.vendor is Vendor.ENGAGE:
        from adapters.engage import EngageBackend

        engage = EngageSettings(
            url,
            key,
            timeout_s=timeout_s,
            rate_per_second=rate,
            landing_delays=jobs.poll_delays,
            landing_wait_s=jobs.timeout_s,
        )
        return EngageBackend.from_transport(engage, transport(engage))
    from adapters.expertsender import ExpertSenderBackend

    expertsender = ExpertSenderSettings(
        url, key, timeout_s=timeout_s, rate_per_second=rate, job_signing_key=job_signing_key
    )
    return ExpertSenderBackend.from_transport(expertsender, transport(expertsender))


def vendor_endpoints(
    settings: GatewaySettings, emulator_urls: Mapping[Vendor, str]
) -> dict[Vendor, VendorEndpoint]:
    endpoints: dict[Vendor, VendorEndpoint] = {}
    for vendor, vendor_settings in _vendor_settings(settings).items():
        if vendor_settings.configured:
            assert vendor_settings.base_url is not None and vendor_settings.api_key is not None
            endpoints[vendor] = VendorEndpoint(
                vendor, vendor_settings.base_url, vendor_settings.api_key, False, vendor_settings
            )
        else:
            endpoints[vendor] = VendorEndpoint(
                vendor, emulator_urls[vendor], sandbox_api_key(vendor), True, vendor_settings
            )
    return endpoints


def _vendor_settings(settings: GatewaySettings) -> dict[Vendor, VendorSettings]:
    return {Vendor.ENGAGE: settings.engage, Vendor.EXPERTSENDER: settings.expertsender}
