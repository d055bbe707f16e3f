"""Credentials for tests: an RSA key pair made at test time, a JWKS served over loopback
HTTP, signed tokens (and the forged kinds a gateway must refuse), and API key files.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.auth.api_keys import hash_key, new_api_key
from tests.support.servers import LoopbackServer, serve

ISSUER = "https://id.example.test/"
AUDIENCE = "order-gateway"


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or uuid.uuid4().hex[:12], private)

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key())
        )
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def claims(
    client: str = "web-shop",
    scope: str = "orders:read",
    *,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    expires_in: float = 300,
    **extra: Any,
) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": issuer,
        "aud": audience,
        "sub": f"{client}-sub",
        "client_id": client,
        "scope": scope,
        "iat": now,
        "exp": int(now + expires_in),
        **extra,
    }


def sign(key: SigningKey, payload: Mapping[str, Any], *, kid: str | None = None) -> str:
    return jwt.encode(
        dict(payload), key.private, algorithm="RS256", headers={"kid": kid or key.kid}
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(payload: Mapping[str, Any], kid: str) -> str:
    """``alg: none``: no signature at all."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{_b64(json.dumps(dict(payload)).encode())}."


def hs256_with_public_key(key: SigningKey, payload: Mapping[str, Any]) -> str:
    """The algorithm-confusion forgery: HMAC-SHA256 keyed with the public key's PEM."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    body = _b64(json.dumps(dict(payload)).encode())
    mac = hmac.new(key.public_pem(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(mac)}"


class JwksEndpoint:
    """A JWKS document on loopback HTTP, whose keys a test may change; counts fetches."""

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.fetches = 0
        self.server: LoopbackServer | None = None

    async def _serve(self, request: Request) -> JSONResponse:
        self.fetches += 1
        return JSONResponse({"keys": [key.jwk() for key in self.keys]})

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.server.url}/.well-known/jwks.json"

    @contextmanager
    def running(self) -> Iterator[JwksEndpoint]:
        app = Starlette(routes=[Route("/.well-known/jwks.json", self._serve)])
        with serve(app, lifespan="off") as server:
            self.server = server
            yield self


@dataclass(frozen=True)
class ApiKeyClient:
    name: str
    key: str
    scopes: tuple[str, ...]

    @property
    def header(self) -> dict[str, str]:
        return {"Authorization": f"ApiKey {self.key}"}


def write_api_keys(path: Path, clients: Mapping[str, tuple[str, ...]]) -> dict[str, ApiKeyClient]:
    """A key file for ``clients`` (name -> scopes); returns each client with its fresh key."""
    made = {name: ApiKeyClient(name, new_api_key(), scopes) for name, scopes in clients.items()}
    lines = ["# name  key hash  scopes"]
    lines += [f"{c.name} {hash_key(c.key)} {' '.join(c.scopes)}" for c in made.values()]
    path.write_text("\n".join(lines) + "\n")
    return made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
