"""Apollo's automatic persisted queries (APQ) on any transport that carries ``extensions``.

A client sends ``extensions.persistedQuery = {"version": 1, "sha256Hash": ...}`` without the
query; the gateway answers ``PersistedQueryNotFound`` until the client has once sent the query
with its hash, which the gateway verifies before remembering it. Apollo's persisted-queries link
resends on that error; ``PersistedQueryNotSupported`` makes it stop trying.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from typing import Any

from graphql import GraphQLError, parse
from strawberry.http import GraphQLRequestData

from gateway.documents import DocumentLookup, DocumentStore, document_hash
from gateway.errors import PersistedQueryError, StateStoreUnavailable

logger = logging.getLogger(__name__)

PERSISTED_QUERY = "persistedQuery"
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


NOT_FOUND = ("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
NOT_SUPPORTED = ("PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")


def _requested_hash(extensions: dict[str, Any]) -> str:
    persisted = extensions[PERSISTED_QUERY]
    if not isinstance(persisted, dict):
        raise PersistedQueryError(
            "extensions.persistedQuery must be an object with version and sha256Hash",
            "BAD_REQUEST",
        )
    if persisted.get("version") != 1:
        raise PersistedQueryError(
            "Unsupported persisted query version: only version 1 is supported", "BAD_REQUEST"
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
        raise PersistedQueryError(
            "extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits", "BAD_REQUEST"
        )
    return sha256.lower()


class PersistedQueries:
    """Resolves the persisted-query extension of one request; ``store`` None turns APQ off.

    ``known`` are further sources of documents by hash (a manifest of trusted operations),
    asked before the store, in order; they answer even with APQ off.
    """

    def __init__(
        self,
        store: DocumentStore | None,
        *,
        known: Sequence[DocumentLookup] = (),
        max_tokens: int | None = None,
    ) -> None:
        self.store = store
        self.known = tuple(known)
        self.max_tokens = max_tokens

    def _worth_keeping(self, document: str) -> bool:
        # Only a document that parses within the token limit is stored: a client cannot fill
        # the store (Redis, for every process) with text that never runs.
        try:
            parse(document, no_location=True, max_tokens=self.max_tokens)
        except GraphQLError:
            return False
        return True

    async def _lookup(self, sha256: str) -> str | None:
        for source in self.known:
            document = await source.lookup(sha256)
            if document is not None:
                return document
        if self.store is None:
            return None
        try:
            return await self.store.lookup(sha256)
        except StateStoreUnavailable:
            # The client then sends the whole document, which runs without the store.
            logger.warning("persisted query store unavailable: answered as not found")
            return None

    async def resolve(self, data: GraphQLRequestData) -> GraphQLRequestData:
        """``data`` with its query filled in from the store (or registered in it).

        The extension is removed from the result, so resolving twice does no second look-up.
        """
        extensions = data.extensions
        if not extensions or PERSISTED_QUERY not in extensions:
            return data
        if self.store is None and not self.known:
            raise PersistedQueryError(*NOT_SUPPORTED)
        sha256 = _requested_hash(extensions)
        rest = {name: value for name, value in extensions.items() if name != PERSISTED_QUERY}
        if data.query is None:
            query = await self._lookup(sha256)
            if query is None:
                raise PersistedQueryError(*(NOT_FOUND if self.store else NOT_SUPPORTED))
            return dataclasses.replace(data, query=query, extensions=rest)
        if document_hash(data.query) != sha256:
            raise PersistedQueryError("provided sha does not match query", "BAD_REQUEST")
        if self.store is None or not self._worth_keeping(data.query):
            return dataclasses.replace(data, extensions=rest)
        try:
            await self.store.register(sha256, data.query)
        except StateStoreUnavailable:
            logger.warning("persisted query store unavailable: document not registered")
        return dataclasses.replace(data, extensions=rest)
