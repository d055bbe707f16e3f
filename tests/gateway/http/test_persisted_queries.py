"""``PersistedQueries`` on its own: the APQ store and other sources of documents by hash."""

from __future__ import annotations

import pytest
from strawberry.http import GraphQLRequestData

from gateway.documents import MemoryDocumentStore, document_hash
from gateway.errors import PersistedQueryError
from gateway.http.persisted_queries import PersistedQueries

TRUSTED = "query Trusted { vendors { vendor } }"


class Manifest:
    """A fixed set of documents by hash, as a manifest of trusted operations is."""

    def __init__(self, *documents: str) -> None:
        self.documents = {document_hash(document): document for document in documents}

    async def lookup(self, sha256: str) -> str | None:
        return self.documents.get(sha256)


def hashed(sha256: str, query: str | None = None) -> GraphQLRequestData:
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256}, "other": 1}
    return GraphQLRequestData(
        query=query, variables=None, operation_name=None, extensions=extensions
    )


async def test_a_known_document_answers_before_the_store_and_with_apq_off() -> None:
    for store in (MemoryDocumentStore(), None):
        resolved = await PersistedQueries(store, known=[Manifest(TRUSTED)]).resolve(
            hashed(document_hash(TRUSTED))
        )
        assert resolved.query == TRUSTED
        assert resolved.extensions == {"other": 1}


async def test_with_apq_off_an_unknown_hash_is_not_supported() -> None:
    queries = PersistedQueries(None, known=[Manifest(TRUSTED)])
    with pytest.raises(PersistedQueryError) as caught:
        await queries.resolve(hashed("a" * 64))
    assert caught.value.code == "PERSISTED_QUERY_NOT_SUPPORTED"
    # A full document with its hash still runs, and is not remembered.
    other = "{ vendors { sandbox } }"
    resolved = await queries.resolve(hashed(document_hash(other), other))
    assert resolved.query == other


async def test_a_registered_document_is_found_by_its_hash() -> None:
    queries = PersistedQueries(MemoryDocumentStore())
    sha256 = document_hash(TRUSTED)
    with pytest.raises(PersistedQueryError) as caught:
        await queries.resolve(hashed(sha256))
    assert caught.value.code == "PERSISTED_QUERY_NOT_FOUND"
    await queries.resolve(hashed(sha256, TRUSTED))
    assert (await queries.resolve(hashed(sha256.upper()))).query == TRUSTED


async def test_a_document_that_does_not_parse_is_not_kept() -> None:
    store = MemoryDocumentStore()
    queries = PersistedQueries(store, max_tokens=50)
    broken = "{ vendors { vendor }"
    too_long = "{ " + "vendors { vendor } " * 20 + "}"
    for document in (broken, too_long):
        resolved = await queries.resolve(hashed(document_hash(document), document))
        assert resolved.query == document  # it still runs, and reports its own error
        assert await store.lookup(document_hash(document)) is None
