"""Trusted-document manifests: the shapes accepted, and refusals that say what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.auth.trusted import TrustedDocuments, parse_manifest
from gateway.errors import ManifestError

QUERY = "query A { vendors { vendor } }"


def test_an_apollo_persisted_query_manifest_is_read() -> None:
    manifest = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": "abc123", "name": "A", "type": "query", "body": QUERY}],
    }
    assert parse_manifest(manifest) == {"abc123": QUERY}


def test_ids_are_found_with_or_without_the_sha256_prefix(tmp_path: Path) -> None:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({"sha256:abc": QUERY, "relay-id": "query B { vendors { vendor } }"}))
    documents = TrustedDocuments.load(str(path))
    assert documents.lookup("sha256:abc") == QUERY
    assert documents.lookup("abc") == QUERY
    assert documents.lookup("relay-id") is not None
    assert documents.lookup("unknown") is None
    assert documents.lookup(42) is None
    assert documents.trusted(QUERY) and not documents.trusted("{ other }")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "cannot read"),
        ("[]", "expected a JSON object"),
        ("{}", "holds no documents"),
        ('{"a": 1}', "non-empty id and document text"),
        ('{"a": "  "}', "non-empty id and document text"),
        ('{"format": "apollo-persisted-query-manifest", "operations": {}}', "must be a list"),
    ],
)
def test_a_broken_manifest_is_refused_with_its_reason(
    tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ManifestError) as refused:
        TrustedDocuments.load(str(path))
    assert words in str(refused.value)
    assert str(path) in str(refused.value)
