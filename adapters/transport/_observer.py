"""What a transport tells an observer about each call, for metrics and traces.

The transport knows nothing of Prometheus or OpenTelemetry: it opens one ``CallObservation``
per ``request()`` and reports each attempt and the end to it. An observation may add headers
to every attempt (a W3C ``traceparent``); it is never shown the credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from adapters.model import Vendor


class CallObservation(Protocol):
    def attempt_headers(self, attempt: int) -> Mapping[str, str] | None:
        """Called before each attempt is sent; extra headers for it (or None)."""
        ...

    def finish(self, *, status: int | None, error_code: str | None) -> None:
        """The call's end: the last answer's status (None: no answer) and, if it failed, the
        error code of the ``adapters.errors`` exception it raised."""
        ...


class CallObserver(Protocol):
    def call(self, vendor: Vendor, method: str, path: str) -> CallObservation:
        """A call begins; ``path`` has neither host nor query string."""
        ...
