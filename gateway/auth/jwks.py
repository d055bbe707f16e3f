"""JWT bearer tokens checked against a JWKS (from a URL or a file), with PyJWT.

Only asymmetric algorithms are accepted, whatever the token's header says: ``alg: none`` and
HS256 (where the public key would be abused as an HMAC secret) are refused before PyJWT sees
the token. Keys are cached; a token with an unknown ``kid`` refetches the set once (at most
every ``refresh_min_s``) and is refused if the key is still unknown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
from cachetools import TTLCache

from gateway.auth.principal import Principal, parse_scopes
from gateway.errors import CredentialRefused, CredentialUncheckable

logger = logging.getLogger("gateway.auth")

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
FETCH_TIMEOUT_S = 5.0
# Where the client's name is read from, first present wins (RFC 9068 ``client_id``, OIDC ``azp``).
CLIENT_NAME_CLAIMS = ("client_id", "azp", "sub")
MAX_CLIENT_NAME = 128
# A client reuses its token for many requests, and an RS256 check costs about a tenth of a
# millisecond: verified tokens are remembered, for at most a minute so that a key taken out
# of the JWKS stops working soon, and never past their expiry.
VERIFIED_CACHE_SIZE = 4096
VERIFIED_CACHE_TTL_S = 60.0


class JwksVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        url: str | None = None,
        file: str | None = None,
        leeway_s: float = 30.0,
        refresh_min_s: float = 10.0,
    ) -> None:
        if (url is None) == (file is None):
            raise ValueError("give exactly one of url and file")
        self.issuer = issuer
        self.audience = audience
        self._url = url
        self._file = file
        self._leeway_s = leeway_s
        self._refresh_min_s = refresh_min_s
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self._verified: TTLCache[str, Principal] = TTLCache(
            VERIFIED_CACHE_SIZE, VERIFIED_CACHE_TTL_S
        )
        self.fetches = 0

    async def load(self) -> None:
        """Fetch the key set now (at start-up, so a wrong URL shows at once)."""
        async with self._lock:
            await self._refresh()

    @property
    def key_count(self) -> int:
        return len(self._keys)

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at is None or time.time() < known.expires_at + self._leeway_s:
                return known
            self._verified.pop(token, None)
            raise CredentialRefused("The token has expired")
        principal = await self._check(token)
        self._verified[token] = principal
        return principal

    async def _check(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise CredentialRefused("The bearer token is not a JWT") from None
        algorithm = header.get("alg")
        if algorithm not in ASYMMETRIC_ALGORITHMS:
            raise CredentialRefused(f"Tokens signed with {algorithm!r} are not accepted")
        key = await self._key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self._leeway_s,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise CredentialRefused("The token has expired") from None
        except jwt.InvalidAudienceError:
            raise CredentialRefused("The token is meant for another audience") from None
        except jwt.InvalidIssuerError:
            raise CredentialRefused("The token comes from an unknown issuer") from None
        except jwt.PyJWTError as exc:
            raise CredentialRefused(f"The token is not valid: {_brief(exc)}") from None
        return principal_of(claims)

    async def _key(self, kid: object) -> jwt.PyJWK:
        if kid is not None and not isinstance(kid, str):
            raise CredentialRefused("The token's kid is not a string")
        key = self._find(kid)
        if key is not None:
            return key
        async with self._lock:
            key = self._find(kid)
            if key is None and self._may_refresh():
                await self._refresh()
                key = self._find(kid)
        if key is None:
            raise CredentialRefused("The token is signed with an unknown key")
        return key

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid) if kid is not None else None

    def _may_refresh(self) -> bool:
        return (
            self._fetched_at is None or time.monotonic() - self._fetched_at >= self._refresh_min_s
        )

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        self.fetches += 1
        try:
            document = await self._fetch()
            key_set = jwt.PyJWKSet.from_dict(document)
        except (OSError, httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            logger.warning("cannot load the JWKS from %s: %s", self._url or self._file, exc)
            if not self._keys:
                raise CredentialUncheckable("The signing keys cannot be loaded") from None
            return
        # Signing keys only: an encryption key (``use: enc``) or a shared secret (``oct``)
        # must never verify a token.
        self._keys = {
            key.key_id: key
            for key in key_set.keys
            if key.key_type in ("RSA", "EC", "OKP") and key.public_key_use in (None, "sig")
        }

    async def _fetch(self) -> dict[str, Any]:
        if self._file is not None:
            text = await asyncio.to_thread(Path(self._file).read_text)
            document = json.loads(text)
        else:
            assert self._url is not None
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_S) as client:
                response = await client.get(self._url)
                response.raise_for_status()
                document = response.json()
        if not isinstance(document, dict):
            raise ValueError("a JWKS is a JSON object with a `keys` list")
        return document


def principal_of(claims: dict[str, Any]) -> Principal:
    name = next(
        (claims[claim] for claim in CLIENT_NAME_CLAIMS if isinstance(claims.get(claim), str)),
        None,
    )
    if not name:
        raise CredentialRefused("The token names no client (client_id, azp or sub)")
    if len(name) > MAX_CLIENT_NAME or not name.isprintable():
        # The name goes into log entries and limit keys: it must stay short and plain.
        raise CredentialRefused(
            f"The token's client name is not {MAX_CLIENT_NAME} printable characters or fewer"
        )
    scopes = parse_scopes(claims.get("scope", claims.get("scp", ())))
    expires = claims.get("exp")
    return Principal(
        name=str(name),
        scopes=scopes,
        expires_at=float(expires) if isinstance(expires, int | float) else None,
    )


def _brief(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
