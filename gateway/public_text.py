"""What of a failure's description a client may read.

Vendor adapters describe failures for operators: the HTTP method and path that failed and the
HTTP library's exception class (``dropped the connection (RemoteProtocolError, GET
/api/v3/orders/X)``). Clients learn which vendor failed and how, not where inside it or with
which library: those details are taken out of every message they can see.
"""

from __future__ import annotations

import re

_METHODS = "GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS"
_CLASS_NAME = r"[A-Z][A-Za-z0-9]*(?:Error|Exception|Timeout|Warning)"

_SUBSTITUTIONS = (
    # "(HTTP 503, GET /api/v3/orders/1)" -> "(HTTP 503)"
    (re.compile(rf",\s*(?:{_METHODS})\s+\S[^),]*"), ""),
    # "(GET /api/v3/orders/1)" -> ""
    (re.compile(rf"\s*\((?:{_METHODS})\s+[^)]*\)"), ""),
    # "(RemoteProtocolError)", "(KeyError: 'x')" -> ""
    (re.compile(rf"\s*\({_CLASS_NAME}(?::[^)]*)?\)"), ""),
    # "(InvalidURL)" and other bare CamelCase names
    (re.compile(r"\s*\([A-Z][a-z]+[A-Z][A-Za-z0-9]*\)"), ""),
    # "(RemoteProtocolError, ...)" -> "(...)"
    (re.compile(rf"\({_CLASS_NAME},\s*"), "("),
    # "Retrying GET /api/v3/orders/1 (attempt 2)" -> "Retrying a request (attempt 2)"
    (re.compile(rf"\b(?:{_METHODS})\s+/\S*"), "a request"),
    # any remaining absolute URL
    (re.compile(r"\bhttps?://\S+"), "the vendor"),
)


def public_message(text: str) -> str:
    for pattern, replacement in _SUBSTITUTIONS:
        text = pattern.sub(replacement, text)
    return text
