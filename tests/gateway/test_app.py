"""The application around the GraphQL view: probes, GraphiQL assets, lifespan."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from adapters.model import Vendor
from gateway.http.graphiql import CONTENT_SECURITY_POLICY
from tests.support.gateway import GatewayHandle, sandbox_gateway

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def gw() -> Iterator[GatewayHandle]:
    with sandbox_gateway() as handle:
        yield handle


def test_healthz_answers_while_the_process_is_up(gw: GatewayHandle) -> None:
    response = gw.client.get(f"{gw.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_vendor(gw: GatewayHandle) -> None:
    response = gw.client.get(f"{gw.url}/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "components": {"engage": True, "expertsender": True},
    }


def test_graphiql_page_is_served_with_a_same_origin_policy(gw: GatewayHandle) -> None:
    response = gw.client.get(gw.graphql_url, headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "connect-src 'self'" in CONTENT_SECURITY_POLICY
    # Every script and stylesheet comes from the gateway itself.
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets and all(a.startswith("/graphql/static/") or a == "data:," for a in assets)
    assert "unpkg" not in response.text and "cdn" not in response.text.lower()


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("graphiql/graphiql.min.js", "text/javascript"),
        ("graphiql/graphiql.min.css", "text/css"),
        ("react/react.production.min.js", "text/javascript"),
        ("react/react-dom.production.min.js", "text/javascript"),
        ("order-gateway-graphiql.js", "text/javascript"),
    ],
)
def test_graphiql_assets_ship_with_the_gateway(
    gw: GatewayHandle, path: str, media_type: str
) -> None:
    response = gw.client.get(f"{gw.graphql_url}/static/{path}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert len(response.content) > 500


def test_the_bundled_licences_are_mit(gw: GatewayHandle) -> None:
    for path in ("graphiql/LICENSE", "react/LICENSE"):
        assert gw.client.get(f"{gw.graphql_url}/static/{path}").text.startswith("MIT License")


def test_static_files_do_not_escape_their_directory(gw: GatewayHandle) -> None:
    response = gw.client.get(f"{gw.graphql_url}/static/..%2Fsettings.py")
    assert response.status_code == 404


def test_readyz_turns_unavailable_when_an_emulator_goes_away() -> None:
    with sandbox_gateway() as gw:
        emulators = gw.gateway.emulators
        assert emulators is not None
        emulators.stop()
        response = gw.client.get(f"{gw.url}/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "components": {"engage": False, "expertsender": False},
        }
        # The process itself is still alive.
        assert gw.client.get(f"{gw.url}/healthz").status_code == 200


def test_graphiql_can_be_turned_off() -> None:
    with sandbox_gateway(graphiql=False) as gw:
        response = gw.client.get(gw.graphql_url, headers=HTML)
        assert response.status_code == 404
        assert "errors" in response.json()
        # Queries over GET still work.
        query = gw.client.get(gw.graphql_url, params={"query": "{ __typename }"})
        assert query.json() == {"data": {"__typename": "Query"}}


def test_shutdown_stops_the_emulators() -> None:
    with sandbox_gateway() as gw:
        ports = [int(gw.emulator_url(vendor).rsplit(":", 1)[1]) for vendor in Vendor]
        for port in ports:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                pass
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{gw.url}/healthz", timeout=2)


@pytest.mark.parametrize(("ttl", "enabled"), [(0.0, False), (5.0, True)])
def test_the_cache_ttl_setting_reaches_the_read_cache(ttl: float, enabled: bool) -> None:
    with sandbox_gateway(cache_ttl_s=ttl) as gw:
        assert gw.gateway.services.cache.enabled is enabled
        query = '{ order(vendor: ENGAGE, orderId: "ENG-1001") { orderId } }'
        gw.client.post(f"{gw.engage_url}/_sandbox/requests/reset")
        for _ in range(2):
            assert gw.post(query) == {"data": {"order": {"orderId": "ENG-1001"}}}
        reads = gw.client.get(f"{gw.engage_url}/_sandbox/requests").json()["total"]
    # With the cache on, the second read is served from it; with it off, both reach the vendor.
    assert reads == (1 if enabled else 2)
