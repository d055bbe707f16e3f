"""Static API keys for server-to-server clients, from ``GATEWAY_API_KEYS_FILE``.

One client per line: its name, the SHA-256 of its key (``sha256:<64 hex digits>``) and its
scopes, separated by spaces; ``#`` starts a comment. Only hashes are stored, so the file does
not leak the keys. Keys are random (``new_api_key``), so one fast hash suffices: there is
no password to guess. A presented key is compared with every entry in constant time. ``reload``
(on SIGHUP) swaps the file in atomically, or keeps the old one if the new one is broken.

``python -m gateway.auth.api_keys NAME SCOPE...`` prints a new key and its line for the file.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from gateway.auth.principal import ALL_SCOPES, Principal
from gateway.errors import ApiKeyFileError

logger = logging.getLogger("gateway.auth")

HASH_PREFIX = "sha256:"
_HASH = re.compile(r"^sha256:[0-9a-f]{64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_VENDOR_SUFFIXES = ("", ":engage", ":expertsender")


@dataclass(frozen=True, slots=True)
class ApiKeyEntry:
    name: str
    digest: bytes
    scopes: frozenset[str]


def hash_key(key: str) -> str:
    return HASH_PREFIX + hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    return "ogk_" + secrets.token_urlsafe(32)


def known_scope(scope: str) -> bool:
    return any(scope == base + suffix for base in ALL_SCOPES for suffix in _VENDOR_SUFFIXES)


def parse_api_keys(text: str, source: str = "api keys") -> tuple[ApiKeyEntry, ...]:
    entries: list[ApiKeyEntry] = []
    names: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source} line {number}"
        fields = line.split()
        if len(fields) < 2:
            raise ApiKeyFileError(f"{where}: expected `name sha256:<hex> scope...`")
        name, digest, *scopes = fields
        if not _NAME.match(name):
            raise ApiKeyFileError(f"{where}: a client name is 1-64 of A-Z a-z 0-9 _ . @ -")
        if name in names:
            raise ApiKeyFileError(f"{where}: client {name!r} appears twice")
        if not _HASH.match(digest):
            raise ApiKeyFileError(f"{where}: the key hash must be sha256:<64 lower-case hex>")
        unknown = [scope for scope in scopes if not known_scope(scope)]
        if unknown:
            raise ApiKeyFileError(f"{where}: unknown scope {unknown[0]!r}")
        names.add(name)
        entries.append(
            ApiKeyEntry(name, bytes.fromhex(digest[len(HASH_PREFIX) :]), frozenset(scopes))
        )
    return tuple(entries)


class ApiKeys:
    def __init__(self, path: str) -> None:
        self.path = path
        self._entries = self._read()

    def _read(self) -> tuple[ApiKeyEntry, ...]:
        try:
            text = Path(self.path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ApiKeyFileError(f"cannot read {self.path}: {exc}") from None
        return parse_api_keys(text, self.path)

    def __len__(self) -> int:
        return len(self._entries)

    def reload(self) -> bool:
        """Read the file again; on a broken file keep the keys in use and say why."""
        try:
            self._entries = self._read()
        except ApiKeyFileError as exc:
            logger.error("API keys not reloaded, the previous ones stay in use: %s", exc)
            return False
        logger.info("API keys reloaded from %s: %d clients", self.path, len(self._entries))
        return True

    def verify(self, key: str) -> Principal | None:
        digest = hashlib.sha256(key.encode()).digest()
        found: ApiKeyEntry | None = None
        for entry in self._entries:  # no early exit: the time taken says nothing
            if hmac.compare_digest(entry.digest, digest):
                found = entry
        if found is None:
            return None
        return Principal(found.name, found.scopes)


def main(argv: list[str]) -> int:
    if len(argv) < 1:
        print("usage: python -m gateway.auth.api_keys NAME SCOPE...", file=sys.stderr)
        return 2
    name, *scopes = argv
    line = f"{name} {{}} {' '.join(scopes)}".strip()
    try:
        parse_api_keys(line.format(hash_key("x")))
    except ApiKeyFileError as exc:
        print(str(exc).removeprefix("api keys line 1: "), file=sys.stderr)
        return 2
    key = new_api_key()
    print(f"key (give it to the client, it is not stored): {key}")
    print(f"line for GATEWAY_API_KEYS_FILE: {line.format(hash_key(key))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
