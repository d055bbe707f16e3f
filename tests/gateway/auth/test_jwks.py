"""JWT checks against a JWKS read from a file, and which keys of a set may verify a token."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from gateway.auth.jwks import JwksVerifier
from gateway.auth.settings import AuthSettings
from gateway.errors import CredentialRefused
from tests.support.auth import AUDIENCE, ISSUER, JwksEndpoint, SigningKey, bearer, claims, sign
from tests.support.gateway import sandbox_gateway

QUERY = {"query": "{ vendors { vendor } }"}


def test_tokens_checked_against_a_jwks_file(tmp_path: Path) -> None:
    key = SigningKey.generate()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [key.jwk()]}))
    auth = AuthSettings(jwks_file=str(jwks), issuer=ISSUER, audience=AUDIENCE)
    with sandbox_gateway(auth=auth) as gw:
        good = gw.client.post(gw.graphql_url, json=QUERY, headers=bearer(sign(key, claims())))
        stranger = SigningKey.generate(key.kid)  # same kid, another key: the signature fails
        forged = gw.client.post(
            gw.graphql_url, json=QUERY, headers=bearer(sign(stranger, claims()))
        )
    assert good.status_code == 200 and good.json()["data"]["vendors"]
    assert forged.status_code == 401
    assert "signature" in forged.json()["errors"][0]["message"].lower()


def test_a_key_meant_for_encryption_never_verifies_a_token(tmp_path: Path) -> None:
    signing, encrypting = SigningKey.generate("sig"), SigningKey.generate("enc")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [signing.jwk(), {**encrypting.jwk(), "use": "enc"}]}))
    auth = AuthSettings(jwks_file=str(jwks), issuer=ISSUER, audience=AUDIENCE)
    with sandbox_gateway(auth=auth) as gw:
        signed = gw.client.post(gw.graphql_url, json=QUERY, headers=bearer(sign(signing, claims())))
        misused = gw.client.post(
            gw.graphql_url, json=QUERY, headers=bearer(sign(encrypting, claims()))
        )
    assert signed.status_code == 200
    assert misused.status_code == 401
    assert "unknown key" in misused.json()["errors"][0]["message"]


async def test_random_kids_do_not_make_the_gateway_hammer_the_jwks() -> None:
    key = SigningKey.generate()
    with JwksEndpoint(key).running() as endpoint:
        verifier = JwksVerifier(
            issuer=ISSUER, audience=AUDIENCE, url=endpoint.url, refresh_min_s=60
        )
        await verifier.load()
        for n in range(5):
            with pytest.raises(CredentialRefused, match="unknown key"):
                await verifier.verify(sign(SigningKey.generate(f"random-{n}"), claims()))
        principal = await verifier.verify(sign(key, claims(client="shop", scope="a b")))
    assert endpoint.fetches == 1
    assert principal.name == "shop" and principal.scopes == {"a", "b"}


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"exp": "soon"}, "exp"),
        ({"aud": 123}, "audience"),
        ({"client_id": "x" * 129}, "128 printable characters"),
        ({"client_id": "shop\nadmin"}, "printable"),
        ({"client_id": "", "sub": ""}, "names no client"),
    ],
)
async def test_odd_claims_are_refused_with_a_reason(extra: dict[str, object], words: str) -> None:
    key = SigningKey.generate()
    with JwksEndpoint(key).running() as endpoint:
        verifier = JwksVerifier(issuer=ISSUER, audience=AUDIENCE, url=endpoint.url)
        with pytest.raises(CredentialRefused) as refused:
            await verifier.verify(sign(key, {**claims(), **extra}))
    assert words in refused.value.reason


async def test_a_remembered_token_still_expires() -> None:
    key = SigningKey.generate()
    with JwksEndpoint(key).running() as endpoint:
        verifier = JwksVerifier(issuer=ISSUER, audience=AUDIENCE, url=endpoint.url, leeway_s=0)
        await verifier.load()  # the key set first, so the token's seconds are not spent on it
        token = sign(key, claims(expires_in=3))
        assert (await verifier.verify(token)).name == "web-shop"
        assert (await verifier.verify(token)).name == "web-shop"  # remembered
        expires_at = (await verifier.verify(token)).expires_at
        assert expires_at is not None
        await asyncio.sleep(max(0.0, expires_at - time.time()) + 0.2)
        with pytest.raises(CredentialRefused, match="expired"):
            await verifier.verify(token)
        with pytest.raises(CredentialRefused, match="expired"):
            await verifier.verify(token)  # and not remembered as valid again
