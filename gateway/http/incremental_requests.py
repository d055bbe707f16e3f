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
    FragmentSpreadNode,
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
        self.spread: list[str] = []

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        if node.name.value in _INCREMENTAL and _switched_on(node, self.variables):
            self.found = True
            return Visitor.BREAK
        return None

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.spread.append(node.name.value)


def may_ask_for_incremental_delivery(query: str) -> bool:
    """Whether the text of ``query`` could hold ``@defer`` or ``@stream`` at all: a directive's
    name stands in the text as written (GraphQL names have no escapes). Most operations have
    neither word, and this look costs far less than walking their document."""
    return "defer" in query or "stream" in query


def asks_for_incremental_delivery(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> bool:
    """Whether the operation ``operation_name`` (the only one, when None) of ``document``, or a
    fragment it spreads, holds a ``@defer`` or ``@stream`` that is not switched off."""
    finder = _IncrementalFinder(variables if isinstance(variables, Mapping) else {})
    fragments: dict[str, FragmentDefinitionNode] = {}
    # A fragment only another operation of the document spreads does not count.
    to_read: list[OperationDefinitionNode | FragmentDefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
        elif isinstance(definition, OperationDefinitionNode):
            name = definition.name.value if definition.name else None
            if operation_name is None or name == operation_name:
                to_read.append(definition)
    read: set[str] = set()
    while to_read:
        visit(to_read.pop(), finder)
        if finder.found:
            return True
        for name in finder.spread:
            if name not in read and name in fragments:
                read.add(name)
                to_read.append(fragments[name])
        finder.spread.clear()
    return False
