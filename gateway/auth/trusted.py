"""Trusted documents (persisted operations): a manifest of operation id -> document.

Manifests accepted (each a JSON file):

* GraphQL Code Generator's client preset (``persisted-documents.json``) and Relay's persisted
  queries (``persisted_queries.json``): one object, id -> document text;
* Apollo's persisted query manifest: ``{"format": "apollo-persisted-query-manifest",
  "operations": [{"id", "body", ...}]}``.

Clients send ``documentId`` (or Relay's ``doc_id``; a ``sha256:`` prefix is allowed) instead of
``query``, or the id as the Automatic Persisted Queries extension's ``sha256Hash``. With
``GATEWAY_TRUSTED_DOCUMENTS_ONLY`` every other document is refused, except for clients with the
scope ``documents:any`` (developers in GraphiQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.auth.principal import DOCUMENTS_ANY, current_client
from gateway.errors import ManifestError, TrustedDocumentRequired

DOCUMENT_ID_FIELDS = ("documentId", "doc_id")
APOLLO_MANIFEST_FORMAT = "apollo-persisted-query-manifest"
UNKNOWN_DOCUMENT = "PERSISTED_QUERY_NOT_FOUND"


class TrustedDocuments:
    def __init__(self, documents: Mapping[str, str], *, only: bool = False) -> None:
        self.documents = dict(documents)
        self.texts = frozenset(self.documents.values())
        self.only = only

    @classmethod
    def load(cls, path: str, *, only: bool = False) -> TrustedDocuments:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ManifestError(f"cannot read {path}: {exc}") from None
        return cls(parse_manifest(raw, path), only=only)

    def lookup(self, document_id: object) -> str | None:
        if not isinstance(document_id, str):
            return None
        return self.documents.get(document_id.removeprefix("sha256:"))

    def trusted(self, query: str | None) -> bool:
        return query is not None and query in self.texts


def parse_manifest(raw: Any, source: str = "manifest") -> dict[str, str]:
    if isinstance(raw, dict) and raw.get("format") == APOLLO_MANIFEST_FORMAT:
        operations = raw.get("operations")
        if not isinstance(operations, list):
            raise ManifestError(f"{source}: `operations` must be a list")
        pairs = [(op.get("id"), op.get("body")) for op in operations if isinstance(op, dict)]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise ManifestError(f"{source}: expected a JSON object of id -> document")
    documents: dict[str, str] = {}
    for key, text in pairs:
        if not isinstance(key, str) or not key or not isinstance(text, str) or not text.strip():
            raise ManifestError(f"{source}: every entry needs a non-empty id and document text")
        documents[key.removeprefix("sha256:")] = text
    if not documents:
        raise ManifestError(f"{source}: the manifest holds no documents")
    return documents


def document_id_of(body: Mapping[str, Any]) -> object:
    for name in DOCUMENT_ID_FIELDS:
        if name in body:
            return body[name]
    return None


def _apq_hash(extensions: object) -> object:
    if isinstance(extensions, Mapping):
        persisted = extensions.get("persistedQuery")
        if isinstance(persisted, Mapping):
            return persisted.get("sha256Hash")
    return None


class TrustedDocumentGuard(SchemaExtension):
    """Fills in a document sent by its APQ hash and, in trusted-only mode, refuses any other
    document for clients without ``documents:any`` (before it is executed)."""

    def __init__(self, documents: TrustedDocuments) -> None:
        super().__init__()
        self.documents = documents

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is None:
            found = self.documents.lookup(_apq_hash(context.operation_extensions))
            if found is not None:
                context.query = found
        yield

    def on_validate(self) -> Iterator[None]:
        # Before the yield: Strawberry decides whether to execute inside the validation step.
        # Listed after the operation guard, this runs after it has set the validation errors.
        context = self.execution_context
        if self.documents.only and not self._may_run(context.query):
            refusal = TrustedDocumentRequired(
                "Only trusted documents are accepted: send the documentId of an operation in "
                "the gateway's manifest"
            ).as_graphql_error()
            # A new list: the validation cache may hand the same list to other requests.
            context.pre_execution_errors = [*(context.pre_execution_errors or []), refusal]
        yield

    def _may_run(self, query: str | None) -> bool:
        principal = current_client.get()
        if principal is not None and DOCUMENTS_ANY in principal.scopes:
            return True
        return self.documents.trusted(query)
