"""The cost of an operation in vendor calls, estimated from its document and variables.

Each field that reads from or writes to a vendor has a price in calls and may multiply what is
selected below it (``orders(orderIds: [..100 ids])`` is 100 reads, and each order's ``contact``
one more). Fields not listed cost nothing: they are computed from what was already read. The
estimate is an upper bound in the common case: the read cache and per-request de-duplication
only make the actual cost lower. Fragments are priced once each, as in ``shape``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.language import ast

from gateway.guard.budget import TimeBudget

Arguments = Mapping[str, Any]


def _fixed(calls: int) -> Callable[[Arguments], int]:
    return lambda _arguments: calls


def _list_size(name: str) -> Callable[[Arguments], int]:
    def size(arguments: Arguments) -> int:
        value = arguments.get(name)
        if isinstance(value, list):
            return len(value)
        return 1 if isinstance(value, str) else 0  # one value coerces to a list of one

    return size


def _page_size(name: str, default: int) -> Callable[[Arguments], int]:
    def size(arguments: Arguments) -> int:
        value = arguments.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return max(value, 0)
        return default  # absent, null, or a variable not given: the field's default

    return size


_ONCE = _fixed(1)


@dataclass(frozen=True, slots=True)
class FieldPrice:
    """``calls`` vendor calls for the field itself; what it selects costs ``multiplier`` times."""

    calls: Callable[[Arguments], int]
    multiplier: Callable[[Arguments], int] = _ONCE


# A linked order list has no size argument; references name a handful of orders.
LINKED_ORDERS_ESTIMATE = 5

PRICES: dict[tuple[str, str], FieldPrice] = {
    ("Query", "order"): FieldPrice(_fixed(1)),
    ("Query", "orders"): FieldPrice(_list_size("orderIds"), _list_size("orderIds")),
    ("Query", "contact"): FieldPrice(_fixed(1)),
    ("Query", "job"): FieldPrice(_fixed(1)),
    ("Query", "node"): FieldPrice(_fixed(1)),
    ("Query", "integrationLog"): FieldPrice(_fixed(0), _page_size("first", 50)),
    ("Order", "contact"): FieldPrice(_fixed(1)),
    ("Order", "linkedOrders"): FieldPrice(
        _fixed(LINKED_ORDERS_ESTIMATE), _fixed(LINKED_ORDERS_ESTIMATE)
    ),
    ("Contact", "orders"): FieldPrice(_fixed(1), _page_size("first", 10)),
    ("Job", "order"): FieldPrice(_fixed(1)),
    ("OrderMutationPayload", "order"): FieldPrice(_fixed(1)),
    # A write may read first (exists? current version tag?) and then writes.
    ("Mutation", "writeOrder"): FieldPrice(_fixed(3)),
    ("Mutation", "changeOrderStatus"): FieldPrice(_fixed(2)),
    ("Mutation", "deleteOrder"): FieldPrice(_fixed(2)),
    ("Mutation", "triggerOrderAction"): FieldPrice(_fixed(2)),
    ("Subscription", "jobProgress"): FieldPrice(_fixed(1)),
}


class _Pricer:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        budget: TimeBudget,
    ) -> None:
        self.schema = schema
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variables = dict(variables)
        self.budget = budget
        self.memo: dict[str, int] = {}
        self.visiting: set[str] = set()

    def fragment(self, name: str) -> int:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0
        self.visiting.add(name)
        cost = self.memo[name] = self.selections(
            definition.selection_set, definition.type_condition.name.value
        )
        self.visiting.discard(name)
        return cost

    def selections(self, node: SelectionSetNode | None, type_name: str) -> int:
        if node is None:
            return 0
        total = 0
        for selection in node.selections:
            self.budget.tick()
            if isinstance(selection, FieldNode):
                total += self.field(selection, type_name)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                total += self.selections(
                    selection.selection_set, condition.name.value if condition else type_name
                )
        return total

    def field(self, node: FieldNode, type_name: str) -> int:
        name = node.name.value
        parent = self.schema.type_map.get(type_name)
        fields = (
            parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        )
        definition = fields.get(name)
        if definition is None:
            return 0  # introspection or an unknown field (validation reports the latter)
        price = PRICES.get((type_name, name))
        arguments = self.arguments(node) if price is not None else {}
        inner = self.selections(node.selection_set, get_named_type(definition.type).name)
        if price is None:
            return inner
        return price.calls(arguments) + price.multiplier(arguments) * inner

    def arguments(self, node: FieldNode) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        for argument in node.arguments or ():
            value: ast.ValueNode = argument.value
            arguments[argument.name.value] = value_from_ast_untyped(value, self.variables)
        return arguments


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
    budget: TimeBudget,
) -> int:
    """Vendor calls the operation is expected to make (raises ``BudgetExceeded``)."""
    root = {
        ast.OperationType.QUERY: schema.query_type,
        ast.OperationType.MUTATION: schema.mutation_type,
        ast.OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return 0
    pricer = _Pricer(schema, document, variables or {}, budget)
    return pricer.selections(operation.selection_set, root.name)


def select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == operation_name), None)
