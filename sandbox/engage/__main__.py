"""`python -m sandbox.engage [--host H] [--port P] [--job-delay-ms N]`: run the emulator alone."""

from __future__ import annotations

import argparse

import uvicorn

from sandbox.engage.app import create_app
from sandbox.engage.settings import EngageSandboxSettings


def run(
    host: str = "127.0.0.1", port: int = 8081, settings: EngageSandboxSettings | None = None
) -> None:
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.engage", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--job-delay-ms", type=int, default=300)
    parser.add_argument("--rate-limit", type=int, default=200, help="requests per second per key")
    parser.add_argument("--no-demo-data", action="store_true")
    args = parser.parse_args(argv)
    settings = EngageSandboxSettings(
        job_delay_ms=args.job_delay_ms,
        rate_limit_per_second=args.rate_limit,
        seed_demo_data=not args.no_demo_data,
    )
    run(args.host, args.port, settings)


if __name__ == "__main__":
    main()
