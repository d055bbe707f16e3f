"""asks_for_incremental_delivery on parsed documents; may_ask_for_incremental_delivery, the
look at the text that spares most operations the walk, never passes one over that asks."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from gateway.http.incremental_requests import (
    asks_for_incremental_delivery,
    may_ask_for_incremental_delivery,
)

TWO_OPERATIONS = """
query Plain { vendors { vendor } }
query Deferred { ... @defer { vendors { vendor } } }
"""
IN_A_FRAGMENT = """
query { contact(vendor: ENGAGE, contactId: "c") { ...Orders } }
fragment Orders on Contact { orders { edges @stream(initialCount: 1) { cursor } } }
"""
# A fragment with @defer that only the other operation spreads.
SPREAD_BY_THE_OTHER = """
query Plain { vendors { vendor } }
query Deferred { ...Later }
fragment Later on Query { ... @defer { vendors { vendor } } }
"""
SWITCHED = "query($on: Boolean = true) { ... @defer(if: $on) { vendors { vendor } } }"


@pytest.mark.parametrize(
    ("query", "operation", "variables", "expected"),
    [
        ("{ vendors { vendor } }", None, None, False),
        (TWO_OPERATIONS, "Plain", None, False),
        (TWO_OPERATIONS, "Deferred", None, True),
        (IN_A_FRAGMENT, None, None, True),
        (SPREAD_BY_THE_OTHER, "Plain", None, False),
        (SPREAD_BY_THE_OTHER, "Deferred", None, True),
        ("{ ... @defer(if: false) { vendors { vendor } } }", None, None, False),
        ("{ ... @defer(if: true) { vendors { vendor } } }", None, None, True),
        (SWITCHED, None, {"on": False}, False),
        (SWITCHED, None, {"on": True}, True),
        # Unset: its default decides, which may be true.
        (SWITCHED, None, {}, True),
        # Not an object: no variable is known.
        (SWITCHED, None, ["on"], True),
        # Another directive of the same shape.
        ("{ vendors @include(if: true) { vendor } }", None, None, False),
    ],
)
def test_an_operation_asks_for_incremental_delivery_unless_switched_off(
    query: str, operation: str | None, variables: Any, expected: bool
) -> None:
    document = parse(query)
    assert asks_for_incremental_delivery(document, operation, variables) is expected


@pytest.mark.parametrize(
    ("query", "operation"),
    [
        (TWO_OPERATIONS, "Deferred"),
        (IN_A_FRAGMENT, None),
        (SWITCHED, None),
        # A directive's name may stand apart from its @.
        ("{ ... @ defer { vendors { vendor } } }", None),
        ("{ ... @\n# a comment\ndefer { vendors { vendor } } }", None),
    ],
)
def test_a_query_asking_for_incremental_delivery_is_never_passed_over(
    query: str, operation: str | None
) -> None:
    assert asks_for_incremental_delivery(parse(query), operation, {})
    assert may_ask_for_incremental_delivery(query)


def test_a_query_without_either_word_is_passed_over() -> None:
    assert not may_ask_for_incremental_delivery("{ vendors { vendor } }")
