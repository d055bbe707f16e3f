from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from gateway.guard.budget import TimeBudget
from gateway.guard.cost import LINKED_ORDERS_ESTIMATE, estimate_cost, select_operation
from gateway.schema import build_schema

SCHEMA = build_schema()._schema


def cost(document: str, variables: dict[str, Any] | None = None) -> int:
    parsed = parse(document)
    operation = select_operation(parsed, None)
    assert operation is not None
    return estimate_cost(SCHEMA, parsed, operation, variables, TimeBudget(1000))


@pytest.mark.parametrize(
    ("document", "variables", "expected"),
    [
        ("{ vendors { vendor } integrationLog { edges { node { id } } } }", None, 0),
        ('{ order(vendor: ENGAGE, orderId: "1") { orderId lines { sku } } }', None, 1),
        ('{ order(vendor: ENGAGE, orderId: "1") { contact { email } } }', None, 2),
        ('{ orders(vendor: ENGAGE, orderIds: ["1", "2", "3"]) { orderId } }', None, 3),
        ('{ orders(vendor: ENGAGE, orderIds: ["1", "2"]) { contact { email } } }', None, 4),
        ('{ orders(vendor: ENGAGE, orderIds: "1") { orderId } }', None, 1),
        (
            "query($ids: [String!]!) { a: orders(vendor: ENGAGE, orderIds: $ids) { orderId } "
            "b: orders(vendor: ENGAGE, orderIds: $ids) { orderId } }",
            {"ids": ["x"] * 100},
            200,
        ),
        (
            'query($n: Int) { contact(vendor: ENGAGE, email: "a@b.se") '
            "{ orders(first: $n) { edges { node { contact { email } } } } } }",
            {"n": 20},
            1 + 1 + 20,
        ),
        (
            '{ contact(vendor: ENGAGE, email: "a@b.se") { orders { edges { node { id } } } } }',
            None,
            2,
        ),
        (
            '{ order(vendor: ENGAGE, orderId: "1") { linkedOrders { contact { email } } } }',
            None,
            1 + LINKED_ORDERS_ESTIMATE * 2,
        ),
        ('{ node(id: "x") { ... on Order { contact { email } } } }', None, 2),
        (
            "query { ...F ...F }\nfragment F on Query "
            '{ orders(vendor: ENGAGE, orderIds: ["1", "2"]) { orderId } }',
            None,
            4,
        ),
        (
            "mutation($i: WriteOrderInput!) { writeOrder(input: $i) { order { orderId } } }",
            {"i": {}},
            4,
        ),
    ],
)
def test_estimates(document: str, variables: dict[str, Any] | None, expected: int) -> None:
    assert cost(document, variables) == expected


def test_an_operation_is_chosen_by_name() -> None:
    parsed = parse("query A { vendors { vendor } } query B { vendors { vendor } }")
    assert select_operation(parsed, None) is None
    chosen = select_operation(parsed, "B")
    assert chosen is not None and chosen.name is not None and chosen.name.value == "B"
