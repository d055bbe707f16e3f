"""Whether an operation asks for incremental delivery (``@defer`` or ``@stream`` not switched
off), known from its document before it runs.

Over plain HTTP such an operation answers ``multipart/mixed``; a client that does not accept
that type is refused up front (406, as Apollo Router does) rather than sent a multipart answer
it refused, or sent it after a mutation already ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    visit,
)

_INCREMENTAL = frozenset({"defer", "stream"})


def _switched_on(directive: DirectiveNode, variables: Mapping[str, Any]) -> bool:
    for argument in directive.arguments or ():
        if argument.name.value != "if":
            continue
        value = argument.value
        if isinstance(value, BooleanValueNode):
            return value.value
        if isinstance(value, VariableNode):
            # An unset variable takes its default, which may well be true: counted as on.
            return variables.get(value.name.value, True) is not False
    return True


class _IncrementalFinder(Visitor):
    def __init__(self, variables: Mapping[str, Any]) -> None:
        super().__init__()
        self.variables = variables
        self.found = False

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        if node.name.value in _INCREMENTAL and _switched_on(node, self.variables):
            self.found = True
            return Visitor.BREAK
        return None


def may_ask_for_incremental_delivery(query: str) -> bool:
    """Whether the text of ``query`` could hold ``@defer`` or ``@stream`` at all: a directive's
    name stands in the text as written (GraphQL names have no escapes). Most operations have
    neither word, and this look costs far less than walking their document."""
    return "defer" in query or "stream" in query


def asks_for_incremental_delivery(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> bool:
    """Whether the operation ``operation_name`` (the only one, when None) of ``document``, or a
    fragment of the document, holds a ``@defer`` or ``@stream`` that is not switched off."""
    finder = _IncrementalFinder(variables if isinstance(variables, Mapping) else {})
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            name = definition.name.value if definition.name else None
            if operation_name is not None and name != operation_name:
                continue
        elif not isinstance(definition, FragmentDefinitionNode):
            continue
        visit(definition, finder)
        if finder.found:
            return True
    return False
