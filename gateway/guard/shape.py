"""Depth, aliases and field count of a document, each fragment visited once.

Strawberry's depth and alias rules expand every fragment spread where it occurs, so a chain of
fragments that each spread the previous one twice costs time doubling with every link. Here a
fragment's shape is worked out once and reused wherever it is spread; counts still multiply
(two spreads of a fragment with 3 aliases are 6 aliases), which is what the client would get.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from gateway.guard.budget import BudgetExceeded, TimeBudget, refusal


@dataclass(frozen=True, slots=True)
class Shape:
    depth: int = 0
    aliases: int = 0
    fields: int = 0


_EMPTY = Shape()


@dataclass(frozen=True, slots=True)
class ShapeLimits:
    max_depth: int
    max_aliases: int
    max_complexity: int


class _Walker:
    def __init__(self, document: DocumentNode, budget: TimeBudget) -> None:
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.budget = budget
        self.memo: dict[str, Shape] = {}
        self.visiting: set[str] = set()

    def fragment(self, name: str) -> Shape:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return _EMPTY  # unknown fragments and cycles are the standard rules' to report
        self.visiting.add(name)
        shape = self.memo[name] = self.selections(definition.selection_set)
        self.visiting.discard(name)
        return shape

    def selections(self, node: SelectionSetNode | None) -> Shape:
        if node is None:
            return _EMPTY
        depth = aliases = fields = 0
        for selection in node.selections:
            self.budget.tick()
            if isinstance(selection, FieldNode):
                inner = self.selections(selection.selection_set)
                # Introspection (GraphiQL's own query nests ofType deeply) is not data depth.
                if selection.selection_set is not None and not selection.name.value.startswith(
                    "__"
                ):
                    depth = max(depth, inner.depth + 1)
                aliases += inner.aliases + (selection.alias is not None)
                fields += inner.fields + 1
                continue
            if isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selections(selection.selection_set)
            else:  # pragma: no cover - graphql-core has no other selection kind
                continue
            depth = max(depth, inner.depth)
            aliases += inner.aliases
            fields += inner.fields
        return Shape(depth, aliases, fields)


def check_shape(
    document: DocumentNode, limits: ShapeLimits, budget: TimeBudget
) -> list[GraphQLError]:
    """Errors for each operation past a limit; one error if the check ran out of time."""
    walker = _Walker(document, budget)
    errors: list[GraphQLError] = []
    try:
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            shape = walker.selections(definition.selection_set)
            name = f"'{definition.name.value[:64]}'" if definition.name else "The operation"
            if shape.depth > limits.max_depth:
                errors.append(
                    refusal(
                        f"{name} exceeds maximum operation depth of {limits.max_depth} "
                        f"(it is {shape.depth} levels deep)",
                        limit="depth",
                    )
                )
            if shape.aliases > limits.max_aliases:
                errors.append(
                    refusal(
                        f"{name} has {shape.aliases} aliases once its fragments are spread; "
                        f"the limit is {limits.max_aliases}",
                        limit="aliases",
                    )
                )
            if shape.fields > limits.max_complexity:
                errors.append(
                    refusal(
                        f"{name} selects {shape.fields} fields once its fragments are spread; "
                        f"the limit is {limits.max_complexity}",
                        limit="complexity",
                    )
                )
    except (BudgetExceeded, RecursionError):
        return [too_complex(budget)]
    return errors


def too_complex(budget: TimeBudget) -> GraphQLError:
    return refusal(
        f"The document is too complex to check within {budget.budget_ms:g} ms",
        limit="validationTime",
    )
