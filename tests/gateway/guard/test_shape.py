from __future__ import annotations

import time

from graphql import parse

from gateway.guard.budget import TimeBudget
from gateway.guard.shape import ShapeLimits, check_shape

LIMITS = ShapeLimits(max_depth=3, max_aliases=4, max_complexity=50)


def messages(document: str, limits: ShapeLimits = LIMITS, budget_ms: float = 1000) -> list[str]:
    return [e.message for e in check_shape(parse(document), limits, TimeBudget(budget_ms))]


def fan_out(levels: int) -> str:
    lines = [f"query {{ ...F{levels - 1} }}", "fragment F0 on Query { vendors { vendor } }"]
    lines += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return "\n".join(lines)


def test_a_shallow_document_passes() -> None:
    assert messages("{ a { b { c } } }") == []


def test_depth_counts_through_fragments() -> None:
    document = "query Q { a { ...F } }\nfragment F on T { b { c { d { e } } } }"
    assert messages(document) == ["'Q' exceeds maximum operation depth of 3 (it is 4 levels deep)"]


def test_introspection_fields_do_not_count_as_depth() -> None:
    assert (
        messages("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }") == []
    )


def test_aliases_multiply_with_every_spread() -> None:
    document = "{ ...G ...G ...G }\nfragment G on Query { x: a y: b }"
    assert messages(document) == [
        "The operation has 6 aliases once its fragments are spread; the limit is 4"
    ]


def test_a_fan_out_of_sixty_levels_is_counted_not_expanded() -> None:
    started = time.perf_counter()
    found = messages(fan_out(60))
    assert time.perf_counter() - started < 1.0  # expanded, it would never finish
    assert found == [
        f"The operation selects {2**60} fields once its fragments are spread; the limit is 50",
        f"The operation selects one field {2**59} times in one selection set; the limit is 20",
    ]


def test_cycles_and_unknown_fragments_are_left_to_the_standard_rules() -> None:
    document = "{ ...A ...Missing }\nfragment A on Query { a ...B }\nfragment B on Query { ...A }"
    assert messages(document) == []


def test_running_out_of_time_refuses_the_document() -> None:
    wide = "{ " + " ".join(f"f{i}" for i in range(5000)) + " }"
    found = messages(wide, ShapeLimits(100, 100, 100_000), budget_ms=0.001)
    assert found == ["The document is too complex to check within 0.001 ms"]


def test_one_field_repeated_in_one_selection_set_is_refused() -> None:
    limits = ShapeLimits(max_depth=5, max_aliases=5, max_complexity=5000)
    assert messages("{ vendors { " + "vendor " * 20 + "} }", limits) == []
    assert messages("{ vendors { " + "vendor " * 21 + "} }", limits) == [
        "The operation selects one field 21 times in one selection set; the limit is 20"
    ]
    spread = "{ ...F ...F ...F }\nfragment F on Query { " + "vendors { vendor } " * 7 + "}"
    assert messages(spread, limits) == [
        "The operation selects one field 21 times in one selection set; the limit is 20"
    ]
    # The same name in different selection sets is not a repeat.
    assert messages("{ a: vendors { vendor } b: vendors { vendor } }", limits) == []
