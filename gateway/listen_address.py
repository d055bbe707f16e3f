"""Whether ``serve`` can listen where it is told to, checked before anything starts.

uvicorn finds out only after the emulators and the app have started, and then says
``[Errno -2] Name or service not known`` without naming the setting; a bad host or a port in
use is a bad setting like any other, so it is refused in one line naming its variable.
"""

from __future__ import annotations

import errno
import socket

from gateway.errors import SettingsError

# Failures of a bind that are the port's, not the host's.
_PORT_ERRORS = frozenset({errno.EADDRINUSE, errno.EACCES})


def check_listen_address(host: str, port: int) -> None:
    """Raises ``SettingsError`` naming GATEWAY_HOST or GATEWAY_PORT if ``host:port`` cannot be
    listened on now (port 0, any free port, is only checked for its host)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SettingsError("GATEWAY_HOST", f"cannot listen on {host!r}: {reason}") from None
    family, kind, protocol, _, address = found[0]
    with socket.socket(family, kind, protocol) as probe:
        # As uvicorn's own socket does: a port left in TIME_WAIT is free to listen on.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            variable = "GATEWAY_PORT" if exc.errno in _PORT_ERRORS else "GATEWAY_HOST"
            raise SettingsError(
                variable, f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None
