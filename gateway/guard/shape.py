"""Depth, aliases and field count of a document, each fragment visited once.

Strawberry's depth and alias rules expand every fragment spread where it occurs, so a chain of
fragments that each spread the previous one twice costs time doubling with every link. Here a
fragment's shape is worked out once and reused wherever it is spread; counts still multiply
(two spreads of a fragment with 3 aliases are 6 aliases), which is what the client would get.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

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

from gateway.errors import BudgetExceeded
from gateway.guard.budget import TimeBudget, refusal

# How often one response name may be selected in one selection set (fragments spread into it
# included). graphql-core's rule that overlapping fields can be merged compares every pair of
# fields with the same response name: 490 copies of `vendors { vendor }` (within the token
# limit) take it a second. Overlapping fragments repeat a field a few times, not dozens.
MAX_REPEATED_FIELD = 20


@dataclass(frozen=True, slots=True)
class Shape:
    depth: int = 0
    aliases: int = 0
    fields: int = 0
    # Most selections of one response name in any one selection set inside.
    repeats: int = 0
    # Selections of each response name this contributes to its enclosing selection set.
    names: Mapping[str, int] = field(default_factory=dict)


_EMPTY = Shape()


@dataclass(frozen=True, slots=True)
class ShapeLimits:
    max_depth: int
    max_aliases: int
    max_complexity: int
    max_repeated_field: int = MAX_REPEATED_FIELD


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
        depth = aliases = fields = repeats = 0
        names: Counter[str] = Counter()
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
                # The field's own selection set ends here: its names are counted.
                repeats = max(repeats, inner.repeats, max(inner.names.values(), default=0))
                names[(selection.alias or selection.name).value] += 1
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
            repeats = max(repeats, inner.repeats)
            names.update(inner.names)
        return Shape(depth, aliases, fields, repeats, names)


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
            repeats = max(shape.repeats, max(shape.names.values(), default=0))
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
            if repeats > limits.max_repeated_field:
                errors.append(
                    refusal(
                        f"{name} selects one field {repeats} times in one selection set; the "
                        f"limit is {limits.max_repeated_field}",
                        limit="repeatedField",
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
