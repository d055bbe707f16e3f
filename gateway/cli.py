"""The ``order-gateway`` command: ``serve``, ``sandbox`` and ``export-schema``.

``serve --workers N`` runs N gateway processes behind one socket. The sandbox emulators must
then exist once, not once per worker (each worker would otherwise see different demo data and
jobs), so the parent starts them before the workers are forked and hands their URLs to every
worker through ``SANDBOX_<VENDOR>_URL``. A separate ``order-gateway sandbox`` process serves
the same purpose for gateways started elsewhere.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette

from adapters.model import Vendor
from gateway.app import create_app, create_app_from_env
from gateway.bootstrap import build_schema
from gateway.emulators import (
    SandboxEmulators,
    announce_sandbox,
    start_emulators,
    start_needed_emulators,
)
from gateway.errors import CommandError, SettingsError, StartupError
from gateway.gc_tuning import serving_gc, tune_for_serving
from gateway.http.connections import server_options
from gateway.listen_address import check_listen_address
from gateway.observability import configure_logging, metrics_directory
from gateway.settings import VARIABLES, GatewaySettings, load_settings, redact_url
from sandbox.faults import FaultSettingsError

PROG = "order-gateway"
SANDBOX_URL_VARIABLES = {
    Vendor.ENGAGE: "SANDBOX_ENGAGE_URL",
    Vendor.EXPERTSENDER: "SANDBOX_EXPERTSENDER_URL",
}


def _check_open_access(settings: GatewaySettings) -> None:
    from gateway.auth.setup import check_access_settings
    from gateway.errors import AccessSetupError

    try:
        check_access_settings(settings)
    except AccessSetupError as exc:
        raise StartupError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    try:
        status: int = args.run(args)
    except (SettingsError, StartupError, CommandError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="One GraphQL endpoint over Voyado Engage v3 and ExpertSender CDP orders.",
        epilog="Settings come from the environment (see the README); options override them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the gateway (sandbox for unconfigured vendors)")
    serve.add_argument("--host", help="interface to listen on (GATEWAY_HOST, default 127.0.0.1)")
    _add_setting_options(
        serve.add_argument,
        ("--port", "GATEWAY_PORT", "port, 0 picks a free one (GATEWAY_PORT, default 8000)"),
        ("--workers", "GATEWAY_WORKERS", "gateway processes (GATEWAY_WORKERS, default 1)"),
        ("--log-level", "GATEWAY_LOG_LEVEL", "process log level (GATEWAY_LOG_LEVEL)"),
    )
    serve.set_defaults(run=_serve)

    sandbox = commands.add_parser("sandbox", help="run both vendor emulators standalone")
    sandbox.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 in a container)",
    )
    _add_setting_options(
        sandbox.add_argument,
        ("--engage-port", "SANDBOX_ENGAGE_PORT", "default SANDBOX_ENGAGE_PORT or 8101"),
        (
            "--expertsender-port",
            "SANDBOX_EXPERTSENDER_PORT",
            "default SANDBOX_EXPERTSENDER_PORT or 8102",
        ),
        ("--log-level", "GATEWAY_LOG_LEVEL", "process log level (GATEWAY_LOG_LEVEL)"),
    )
    sandbox.add_argument(
        "--variants",
        type=_variants_option,
        metavar="documented|invented|random:SEED",
        help="how the emulators answer where the vendors' docs are silent "
        "(default SANDBOX_VARIANTS or documented)",
    )
    faults = sandbox.add_argument_group(
        "faults injected from the start (also SANDBOX_FAULT_*; changeable at /_sandbox/faults)"
    )
    _add_setting_options(
        faults.add_argument,
        ("--job-delay-ms", "SANDBOX_ENGAGE_JOB_DELAY_MS", "Engage job step delay"),
        ("--latency-ms", "SANDBOX_FAULT_LATENCY_MS", "added to every request"),
        *(
            (
                f"--{name}",
                f"SANDBOX_FAULT_{name.upper().replace('-', '_')}",
                f"share of requests {what}",
            )
            for name, what in (
                ("error-rate", "answered 503"),
                ("rate-limit-rate", "answered 429 with Retry-After"),
                ("drop-rate", "dropped before they are handled"),
                ("drop-after-commit-rate", "handled, then dropped without an answer"),
            )
        ),
        ("--fault-seed", "SANDBOX_FAULT_SEED", "seed of the fault draws"),
    )
    sandbox.set_defaults(run=_sandbox)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    target = export.add_mutually_exclusive_group()
    target.add_argument("--output", "-o", type=Path, help="write the SDL to this file")
    target.add_argument(
        "--check", type=Path, metavar="FILE", help="exit 1 if FILE differs from the current schema"
    )
    export.set_defaults(run=_export_schema, log_level="warning")
    return parser


def _add_setting_options(
    add_argument: Callable[..., object], *options: tuple[str, str, str]
) -> None:
    """Options that override settings: ``(flag, variable, help)``, each read by its variable's
    own parser, so an option and its variable accept exactly the same values."""
    for flag, variable, text in options:
        add_argument(flag, type=_setting_option(variable), help=text)


def _setting_option(variable: str) -> Callable[[str], Any]:
    """An argparse ``type`` reading ``variable``'s value with the setting's own parser."""
    parse = VARIABLES[variable][1]

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _configure_logging(args: argparse.Namespace) -> None:
    level = (args.log_level or os.environ.get("GATEWAY_LOG_LEVEL") or "info").upper()
    if level == "TRACE":
        level = "DEBUG"
    if level not in logging.getLevelNamesMapping():
        level = "INFO"  # a bad GATEWAY_LOG_LEVEL is reported by load_settings
    log_format = (os.environ.get("GATEWAY_LOG_FORMAT") or "text").strip().lower()
    configure_logging(level, log_format, secrets=_secrets_in_environment())
    if logging.getLogger().level > logging.DEBUG:
        # httpx logs every vendor call at INFO; the integration log records what matters.
        logging.getLogger("httpx").setLevel(logging.WARNING)


def _secrets_in_environment() -> list[str]:
    # Before the settings are parsed (their errors are logged too): the raw values.
    names = ("ENGAGE_API_KEY", "EXPERTSENDER_API_KEY", "GATEWAY_JOB_SIGNING_KEY")
    keys = [os.environ.get(name, "").strip() for name in names]
    redis_url = os.environ.get("GATEWAY_REDIS_URL", "")
    try:
        password = urlsplit(redis_url).password if redis_url else None
    except ValueError:
        password = None
    return [value for value in (*keys, password) if value]


# --- serve --------------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    overrides = {
        name: value
        for name, value in (
            ("host", args.host),
            ("port", args.port),
            ("workers", args.workers),
            ("log_level", args.log_level),
        )
        if value is not None
    }
    settings = dataclasses.replace(settings, **overrides)
    check_listen_address(settings.host, settings.port)
    _check_shared_state(settings)
    _check_open_access(settings)
    # Emulators start here, before uvicorn: a failure (a port in use) is then one clear line,
    # and with several workers they exist once for all of them.
    emulators = _start_shared_emulators(settings)
    try:
        if emulators is not None:
            settings = _use_emulators(settings, emulators)
        if settings.workers == 1:
            return _serve_single(settings)
        return _serve_workers(settings)
    finally:
        if emulators is not None:
            emulators.stop()


UNSHARED_WARNING = (
    "%d workers without GATEWAY_REDIS_URL: each worker keeps its own job registry, job "
    "progress, idempotency keys, read cache and integration log. A job written through one "
    "worker is unknown to the others, an idempotent retry that reaches another worker writes "
    "again, each worker shows a different integration log, and a write through one worker "
    "leaves the others' cached reads stale for up to GATEWAY_CACHE_TTL_S. Set "
    "GATEWAY_REDIS_URL to share them (README: Running several processes)."
)


def _check_shared_state(settings: GatewaySettings) -> None:
    """Redis is tried here, before anything starts, so that an unreachable one is one clear
    line; several workers without it start, with a warning naming what they do not share."""
    if settings.redis_url is None:
        if settings.workers > 1:
            logging.getLogger("gateway").warning(UNSHARED_WARNING, settings.workers)
        return
    from gateway.redis import RedisUnreachable, probe

    try:
        probe(settings.redis_url)
    except RedisUnreachable as exc:
        raise StartupError(str(exc)) from None
    logging.getLogger("gateway").info(
        "gateway process(es) share their state through Redis at %s (key prefix %r)",
        redact_url(settings.redis_url),
        settings.redis_key_prefix,
    )


def _uvicorn_options(settings: GatewaySettings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        # httptools, with a deadline on request headers; a connection cap; no server header;
        # a lean WebSocket protocol.
        **server_options(
            settings.connections,
            max_message_bytes=settings.limits.max_body_bytes,
            from_environment=settings.workers > 1,
        ),
        # Each compressing connection keeps a zlib context (about 45 KB); subscription
        # messages are small, so compression saves little and costs that per subscriber.
        "ws_per_message_deflate": False,
        "log_level": settings.log_level,
        # The gateway writes its own access line per request (request id, no query string).
        "access_log": False,
        "lifespan": "on",
        "proxy_headers": False,
        "timeout_graceful_shutdown": 10,
    }


def _serve_single(settings: GatewaySettings) -> int:
    options = _uvicorn_options(settings)
    if settings.log_format == "json":
        options["log_config"] = None  # uvicorn's lines go through the JSON handler
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **options))
    # uvicorn stops gracefully on SIGTERM and then raises the signal again for the handler it
    # found at start; with this one in place a requested stop ends the process with status 0.
    signal.signal(signal.SIGTERM, _stopped_on_request)
    with serving_gc():
        server.run()
    # uvicorn returns quietly when the lifespan fails; report it as the failure it is.
    return 0 if server.started else 1


def _stopped_on_request(signum: int, frame: FrameType | None) -> None:
    """SIGTERM after uvicorn's own graceful shutdown: nothing left to do."""


# How long uvicorn's parent waits for a worker to answer a ping before killing it and starting
# another. Its default (5 s) is shorter than a worker takes to import the gateway on a loaded
# machine, and the replacement is killed the same way: the workers never come up. The ping is
# answered by a thread of its own: a worker that is running answers at once, however busy.
WORKER_HEALTHCHECK_TIMEOUT_S = 60


def _serve_workers(settings: GatewaySettings) -> int:
    # Each worker process builds its own app from the environment, where the emulators'
    # URLs were put by _start_shared_emulators; the worker count tells each its share of a
    # vendor's rate limit when they share no Redis.
    os.environ["GATEWAY_WORKERS"] = str(settings.workers)
    options = _uvicorn_options(settings)
    if settings.log_format == "json":
        options["log_config"] = None  # uvicorn's lines go through the workers' JSON handler
    with metrics_directory():
        uvicorn.run(
            "gateway.cli:create_worker_app",
            factory=True,
            workers=settings.workers,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT_S,
            **options,
        )
    return 0


def create_worker_app() -> Starlette:
    """The app factory of each worker process of ``serve --workers N``: the process is tuned
    for serving (``gateway.gc_tuning``) for as long as it lives, then builds its app."""
    tune_for_serving()
    return create_app_from_env()


def _start_shared_emulators(settings: GatewaySettings) -> SandboxEmulators | None:
    """Start the emulators the gateway needs, once, and tell worker processes where they are."""
    emulators = start_needed_emulators(settings)
    if emulators is not None:
        for vendor, url in emulators.urls.items():
            os.environ[SANDBOX_URL_VARIABLES[vendor]] = url
    return emulators


def _use_emulators(settings: GatewaySettings, emulators: SandboxEmulators) -> GatewaySettings:
    sandbox = dataclasses.replace(
        settings.sandbox,
        engage_url=emulators.urls.get(Vendor.ENGAGE, settings.sandbox.engage_url),
        expertsender_url=emulators.urls.get(Vendor.EXPERTSENDER, settings.sandbox.expertsender_url),
    )
    return dataclasses.replace(settings, sandbox=sandbox)


# --- sandbox ------------------------------------------------------------------------------------

DEFAULT_SANDBOX_PORTS = {Vendor.ENGAGE: 8101, Vendor.EXPERTSENDER: 8102}


def _sandbox(args: argparse.Namespace) -> int:
    settings = load_settings()
    ports = {
        Vendor.ENGAGE: _pick(
            args.engage_port, settings.sandbox.engage_port, DEFAULT_SANDBOX_PORTS[Vendor.ENGAGE]
        ),
        Vendor.EXPERTSENDER: _pick(
            args.expertsender_port,
            settings.sandbox.expertsender_port,
            DEFAULT_SANDBOX_PORTS[Vendor.EXPERTSENDER],
        ),
    }
    fault_options = {
        "latency_ms": args.latency_ms,
        "error_rate": args.error_rate,
        "rate_limit_rate": args.rate_limit_rate,
        "drop_rate": args.drop_rate,
        "drop_after_commit_rate": args.drop_after_commit_rate,
        "seed": args.fault_seed,
    }
    try:
        faults = dataclasses.replace(
            settings.sandbox.faults,
            **{name: value for name, value in fault_options.items() if value is not None},
        )
    except FaultSettingsError as exc:
        raise CommandError(f"sandbox faults: {exc}") from None
    sandbox_settings = dataclasses.replace(
        settings.sandbox,
        engage_port=ports[Vendor.ENGAGE],
        expertsender_port=ports[Vendor.EXPERTSENDER],
        faults=faults,
    )
    if args.variants is not None:
        sandbox_settings = dataclasses.replace(sandbox_settings, variants=args.variants)
    if args.job_delay_ms is not None:
        sandbox_settings = dataclasses.replace(
            sandbox_settings, engage_job_delay_ms=args.job_delay_ms
        )
    settings = dataclasses.replace(settings, sandbox=sandbox_settings)
    emulators = start_emulators(settings, list(Vendor), args.host)
    announce_sandbox(emulators.urls)
    for vendor, url in emulators.urls.items():
        print(f"{SANDBOX_URL_VARIABLES[vendor]}={url}", flush=True)
    try:
        _wait_for_stop_signal()
    finally:
        emulators.stop()
    return 0


def _variants_option(raw: str) -> str:
    from sandbox.variants import Variants, VariantsError

    try:
        return Variants.parse(raw).mode
    except VariantsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _pick(option: int | None, configured: int, default: int) -> int:
    # Standalone emulators need ports others can be told about, so "0" from the environment
    # (the in-process default) means the fixed default here; an explicit --port 0 is honoured.
    if option is not None:
        return option
    return configured or default


def _wait_for_stop_signal() -> None:
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    stop.wait()


# --- export-schema ------------------------------------------------------------------------------


def schema_sdl() -> str:
    settings = GatewaySettings()
    return str(build_schema(settings)).rstrip("\n") + "\n"


def _export_schema(args: argparse.Namespace) -> int:
    sdl = schema_sdl()
    if args.check is not None:
        try:
            current = args.check.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {args.check}: {exc.strerror}") from None
        if current != sdl:
            print(
                f"{PROG}: {args.check} is out of date; regenerate it with "
                f"`{PROG} export-schema --output {args.check}`",
                file=sys.stderr,
            )
            return 1
        return 0
    if args.output is not None:
        try:
            args.output.write_text(sdl, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
        return 0
    sys.stdout.write(sdl)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
