"""The processes under test: the two vendor emulators and the gateway in front of them.

The gateway is pointed at the emulators as if they were the real vendors (base URL + API key),
so it starts no emulator of its own and everything it serves crosses a real socket.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from bench.procs import PYTHON, Service, free_port, uvicorn_argv
from sandbox.engage import DEFAULT_API_KEY as ENGAGE_DEFAULT_KEY
from sandbox.expertsender import DEFAULT_API_KEY as EXPERTSENDER_DEFAULT_KEY

ENGAGE_APP = "sandbox.engage.app:create_app"
EXPERTSENDER_APP = "sandbox.expertsender.app:create_app"
GATEWAY_APP = "gateway.app:create_app_from_env"
# The emulators start with their demo data and these keys.
ENGAGE_KEY = ENGAGE_DEFAULT_KEY
EXPERTSENDER_KEY = EXPERTSENDER_DEFAULT_KEY
ENGAGE_HEADERS = {
    "apikey": ENGAGE_KEY,
    "User-Agent": "OrderGatewayBench/1.0",
    "Content-Type": "application/json",
}


def engage_emulator(log_dir: Path) -> Service:
    port = free_port()
    return Service(
        name="engage-emulator",
        argv=uvicorn_argv(ENGAGE_APP, port, factory=True),
        port=port,
        log_dir=log_dir,
        ready_path="/_sandbox/requests",
    )


def expertsender_emulator(log_dir: Path) -> Service:
    port = free_port()
    return Service(
        name="expertsender-emulator",
        argv=uvicorn_argv(EXPERTSENDER_APP, port, factory=True),
        port=port,
        log_dir=log_dir,
        ready_path="/_sandbox/requests",
    )


def gateway(
    log_dir: Path,
    engage_url: str,
    expertsender_url: str,
    *,
    cache: bool,
    workers: int = 1,
    name: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Service:
    """The gateway as the vendors' client, run by ``order-gateway serve --workers N`` (uvicorn
    with the app factory if the command is not installed)."""
    port = free_port()
    env = {
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "GATEWAY_WORKERS": str(workers),
        "ENGAGE_BASE_URL": engage_url,
        "ENGAGE_API_KEY": ENGAGE_KEY,
        "EXPERTSENDER_BASE_URL": expertsender_url,
        "EXPERTSENDER_API_KEY": EXPERTSENDER_KEY,
        # The gateway's own limiter protects a real vendor; here it would measure the limiter.
        "ENGAGE_RATE_LIMIT": "1000000",
        "EXPERTSENDER_RATE_LIMIT": "1000000",
        # The load comes from one address, i.e. one client: its share would measure the
        # per-client limits instead of the gateway (bench/fairness.py measures those).
        "GATEWAY_CLIENT_COST_RATE": "1000000",
        "GATEWAY_CLIENT_COST_BURST": "1000000000",
        "GATEWAY_CLIENT_VENDOR_CONCURRENCY": "10000",
        "GATEWAY_CACHE_TTL_S": "30" if cache else "0",
        "GATEWAY_GRAPHIQL": "false",
        "GATEWAY_LOG_LEVEL": "warning",
        # The emulators stand in for real vendors, so client authentication must be waived.
        "GATEWAY_AUTH": "off",
        **(extra_env or {}),
    }
    cli = shutil.which("order-gateway", path=str(Path(PYTHON).parent))
    if cli is not None:
        # The way operators run it: same uvicorn options (uvloop, httptools, sansio websockets).
        argv = [cli, "serve", "--workers", str(workers)]
    else:
        argv = uvicorn_argv(GATEWAY_APP, port, factory=True)
        if workers > 1:
            argv += ["--workers", str(workers)]
    label = f"{workers}p" if workers > 1 else "1p"
    return Service(
        name=name or f"gateway-{label}-{'cache' if cache else 'nocache'}",
        argv=argv,
        port=port,
        log_dir=log_dir,
        ready_path="/graphql",
        env=env,
        stop_signals=2 if workers > 1 else 1,
    )
