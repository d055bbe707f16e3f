"""Length limits on every string a client sends, by the input's name where a vendor sets one.

Vendors refuse ids and emails past their own limits anyway, but only after the gateway has
carried, logged and sent them: a 900 KB order id would sit in the integration log and make a
URL no HTTP client builds. Limits follow the shorter of the vendors' documented ones
(ExpertSender documents order, product and CRM ids of 1..128 characters, email 320, phone 20,
product name 2048, time zone 100), and ``max_string_length`` caps every other string, JSON
scalars included. Global ids (``id``, ``jobId``) are the gateway's own and may carry a whole
job (signed ExpertSender job ids): they get the cap, and decoding checks the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    value_from_ast_untyped,
)

from gateway.guard.budget import refusal

BAD_USER_INPUT_CODE = "BAD_USER_INPUT"

ID_MAX_LENGTH = 128
EMAIL_MAX_LENGTH = 320
PHONE_MAX_LENGTH = 20
NAME_MAX_LENGTH = 2048
TIME_ZONE_MAX_LENGTH = 100

LIMITS_BY_NAME: dict[str, int] = {
    **dict.fromkeys(
        (
            "orderId",
            "orderIds",
            "contactId",
            "externalId",
            "lineId",
            "sku",
            "storeId",
            "references",
            "versionTag",
            "customAction",
        ),
        ID_MAX_LENGTH,
    ),
    "email": EMAIL_MAX_LENGTH,
    "phone": PHONE_MAX_LENGTH,
    "name": NAME_MAX_LENGTH,
    "timeZone": TIME_ZONE_MAX_LENGTH,
}


def _strings(
    name: str | None, value: Any, path: tuple[str, ...]
) -> Iterator[tuple[str | None, str, tuple[str, ...]]]:
    """Every string inside ``value``, with the name of the input that holds it."""
    stack: list[tuple[str | None, Any, tuple[str, ...]]] = [(name, value, path)]
    while stack:
        key, item, where = stack.pop()
        if isinstance(item, str):
            yield key, item, where
        elif isinstance(item, Mapping):
            stack.extend((str(k), v, (*where, str(k))) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((key, v, (*where, str(i))) for i, v in enumerate(item))


def _too_long(name: str | None, text: str, path: tuple[str, ...], cap: int) -> GraphQLError | None:
    limit = min(LIMITS_BY_NAME.get(name or "", cap), cap)
    where = ".".join(path) or "an input"
    if not _is_unicode_text(text):
        return refusal(
            f"`{where[:200]}` holds a lone surrogate, which is not Unicode text",
            code=BAD_USER_INPUT_CODE,
            field=list(path[:20]),
        )
    if len(text) <= limit:
        return None
    return refusal(
        f"`{where[:200]}` is {len(text)} characters long; the limit is {limit}",
        code=BAD_USER_INPUT_CODE,
        field=list(path[:20]),
        maxLength=limit,
    )


def _is_unicode_text(text: str) -> bool:
    # JSON may escape half of a UTF-16 pair ("\\ud800"); no vendor call can carry it.
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_variables(variables: Mapping[str, Any] | None, cap: int) -> list[GraphQLError]:
    """Strings in the variables: by the input field names they sit under, and the cap."""
    for name, text, path in _strings(None, variables or {}, ()):
        error = _too_long(name, text, path, cap)
        if error is not None:
            return [error]
    return []


def check_document(
    document: DocumentNode, variables: Mapping[str, Any] | None, cap: int
) -> list[GraphQLError]:
    """Strings written into the document's arguments (fragments included), and variables
    passed as named arguments. A plain walk: graphql-core's ``Visitor`` caches bound methods
    on itself, a cycle that would keep the variables alive until the next full collection."""
    values = dict(variables or {})
    stack: list[Node] = list(document.definitions)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode):
            for argument in node.arguments or ():
                name = argument.name.value
                value = value_from_ast_untyped(argument.value, values)
                for key, text, path in _strings(name, value, (name,)):
                    error = _too_long(key, text, path, cap)
                    if error is not None:
                        return [error]
        if (
            isinstance(node, ExecutableDefinitionNode | FieldNode | InlineFragmentNode)
            and node.selection_set is not None
        ):
            stack.extend(node.selection_set.selections)
    return []
