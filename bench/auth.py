"""``python -m bench.auth [--seconds N]``: what client authentication costs per request.

One gateway process per mode, each in front of the two emulators as if they were real vendors:
open (``GATEWAY_AUTH=off``), API key, and JWT (RS256, checked against a JWKS file). wrk sends
the same small query (``vendors``, answered without a vendor call) with 50 connections, so the
figures show the authentication step itself rather than vendor latency. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from bench import wrk as wrk_tool
from bench.procs import Service, running
from bench.stack import engage_emulator, expertsender_emulator, gateway
from gateway.auth.api_keys import hash_key, new_api_key

QUERY = json.dumps({"query": "{ vendors { vendor } }"})
ISSUER = "https://id.bench.test/"
AUDIENCE = "order-gateway"


def _credentials(directory: Path) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """mode -> (gateway environment, request headers)."""
    key = new_api_key()
    keys_file = directory / "keys"
    keys_file.write_text(f"bench {hash_key(key)} orders:read\n")
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwks_file = directory / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [{**jwk, "kid": "bench", "alg": "RS256"}]}))
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "client_id": "bench",
        "scope": "orders:read",
        "exp": int(time.time()) + 3600,
    }
    token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "bench"})
    return {
        "open": ({}, {}),
        "api key": (
            {"GATEWAY_AUTH": "", "GATEWAY_API_KEYS_FILE": str(keys_file)},
            {"Authorization": f"ApiKey {key}"},
        ),
        "jwt": (
            {
                "GATEWAY_AUTH": "",
                "GATEWAY_AUTH_JWKS_FILE": str(jwks_file),
                "GATEWAY_AUTH_ISSUER": ISSUER,
                "GATEWAY_AUTH_AUDIENCE": AUDIENCE,
            },
            {"Authorization": f"Bearer {token}"},
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.auth", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk run per mode")
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args(argv)
    wrk = wrk_tool.ensure_wrk()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as temp, ExitStack() as stack:
        directory = Path(temp)
        engage = stack.enter_context(running(engage_emulator(directory)))
        expertsender = stack.enter_context(running(expertsender_emulator(directory)))
        for mode, (env, headers) in _credentials(directory).items():
            service: Service = gateway(
                directory,
                engage.url,
                expertsender.url,
                cache=True,
                name=f"gateway-{mode.replace(' ', '-')}",
                extra_env=env,
            )
            with running(service):
                load = wrk_tool.Load(
                    url=f"{service.url}/graphql",
                    connections=args.connections,
                    seconds=args.seconds,
                    headers=headers,
                    script=wrk_tool.GRAPHQL_POST_LUA,
                    env={"BENCH_BODY": QUERY},
                )
                wrk_tool.run(wrk_tool.Load(**{**load.__dict__, "seconds": 2}), wrk=wrk)  # warm
                result = wrk_tool.run(load, wrk=wrk)
            rows.append((mode, result))
    print(f"| mode | req/s | p50 ms | p99 ms | errors |  ({args.connections} connections)")
    print("|---|---|---|---|---|")
    for mode, result in rows:
        print(
            f"| {mode} | {result.requests_per_second:.0f} | {result.p50_ms:.2f} "
            f"| {result.p99_ms:.2f} | {result.errors} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
