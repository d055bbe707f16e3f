"""Documents known by their SHA-256 hash: the store behind automatic persisted queries.

``DocumentLookup`` is the one seam every way of naming a document by hash goes through: the
persisted-query store registered here, or any other source of documents (a manifest of trusted
operations) placed in front of it.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from cachetools import LRUCache

# Distinct operations of a set of frontends; a client registering unique documents only
# pushes out the least recently used.
DEFAULT_MAX_DOCUMENTS = 10_000


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

    def __init__(self, max_documents: int = DEFAULT_MAX_DOCUMENTS) -> None:
        self._documents: LRUCache[str, str] = LRUCache(max_documents)

    async def lookup(self, sha256: str) -> str | None:
        return self._documents.get(sha256)

    async def register(self, sha256: str, document: str) -> None:
        self._documents[sha256] = document
