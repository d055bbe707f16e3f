"""Documents known by their SHA-256 hash: the store behind automatic persisted queries.

``DocumentLookup`` is the one seam every way of naming a document by hash goes through: the
persisted-query store registered here, or any other source of documents (a manifest of trusted
operations) placed in front of it.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from cachetools import LRUCache

# Characters of documents one process keeps for automatic persisted queries: the distinct
# operations of a set of frontends fit many times over; a client registering unique (or padded)
# documents only pushes out the least recently used.
DEFAULT_MAX_DOCUMENT_CHARS = 32 * 1024 * 1024
# What an entry costs beyond its text (key, links of the cache), so small ones count too.
_ENTRY_OVERHEAD_CHARS = 256

# The longest document text a cache keyed by text keeps (parsed documents, validation results):
# more than real operations take (2000 tokens of names and punctuation), far less than a body
# padded with whitespace or comments, which cost no tokens.
CACHEABLE_DOCUMENT_CHARS = 64 * 1024


def cacheable(document: str) -> bool:
    """Whether a cache keyed by document text may keep ``document``."""
    return len(document) <= CACHEABLE_DOCUMENT_CHARS


def document_hash(document: str) -> str:
    """The lowercase hex SHA-256 of a document's text, as Apollo's clients compute it."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class DocumentLookup(Protocol):
    async def lookup(self, sha256: str) -> str | None:
        """The document with this hash, or ``None`` when it is not known here."""
        ...


class DocumentStore(DocumentLookup, Protocol):
    async def register(self, sha256: str, document: str) -> None:
        """Remember ``document`` under its (already verified) hash."""
        ...


class MemoryDocumentStore:
    """One process's documents, least recently used dropped first."""

    def __init__(self, max_chars: int = DEFAULT_MAX_DOCUMENT_CHARS) -> None:
        self._documents: LRUCache[str, str] = LRUCache(max_chars, getsizeof=_stored_size)

    async def lookup(self, sha256: str) -> str | None:
        return self._documents.get(sha256)

    async def register(self, sha256: str, document: str) -> None:
        self._documents[sha256] = document


def _stored_size(document: str) -> int:
    return len(document) + _ENTRY_OVERHEAD_CHARS
