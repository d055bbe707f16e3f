"""EngageBackend as a whole: the Backend it is, and the key it sends, against the Engage
emulator over real HTTP."""

from __future__ import annotations

import pytest

from adapters.backend import Backend
from adapters.engage import EngageBackend
from adapters.errors import Unauthorized
from adapters.model import Vendor
from tests.adapters.engage.conftest import fast_settings
from tests.support.servers import LoopbackServer


def test_is_a_backend_with_engage_capabilities(backend: EngageBackend) -> None:
    assert isinstance(backend, Backend)
    assert backend.vendor is Vendor.ENGAGE
    assert backend.capabilities.names() == [
        "actions",
        "list_by_contact",
        "async_jobs",
    ]


async def test_wrong_key_is_unauthorized_without_leaking_it(engage_server: LoopbackServer) -> None:
    wrong = EngageBackend(fast_settings(engage_server.url, api_key="wrong-key-123"))
    try:
        with pytest.raises(Unauthorized) as caught:
            await wrong.get_orders(["ENG-1001"])
    finally:
        await wrong.aclose()
    assert caught.value.upstream_status == 401
    assert "wrong-key-123" not in str(caught.value)
    assert engage_server.url not in str(caught.value)
