from __future__ import annotations

from gateway.documents import CACHEABLE_DOCUMENT_CHARS
from gateway.guard.cost_memo import (
    MAX_KEPT_NAME_CHARS,
    MAX_SHAPE_VALUES,
    CostMemo,
    variables_shape,
)


def test_a_shape_keeps_lengths_and_numbers_but_not_text() -> None:
    assert variables_shape({"id": "ENG-1001"}) == variables_shape({"id": "ENG-2002"})
    assert variables_shape({"id": "ENG-1001"}) != variables_shape({"id": "ENG-10011"})
    assert variables_shape({"ids": ["a", "b"]}) != variables_shape({"ids": ["a", "b", "c"]})
    assert variables_shape({"first": 10}) != variables_shape({"first": 11})
    assert variables_shape({"n": "1"}) != variables_shape({"n": 1})


def test_a_shape_keeps_names_and_nesting() -> None:
    assert variables_shape({"a": "x"}) != variables_shape({"b": "x"})
    assert variables_shape({"o": {"email": "x"}}) != variables_shape({"o": {"phone": "x"}})
    assert variables_shape({"o": {"a": ["x"]}}) != variables_shape({"o": {"a": "x"}})


def test_true_is_not_one_and_null_is_its_own_value() -> None:
    assert variables_shape({"first": True}) != variables_shape({"first": 1})
    assert variables_shape({"first": None}) != variables_shape({"first": 0})


def test_no_variables_have_one_shape() -> None:
    assert variables_shape(None) == variables_shape({}) == ()


def test_large_variables_are_not_remembered() -> None:
    assert variables_shape({"ids": ["x"] * (MAX_SHAPE_VALUES + 1)}) is None
    assert CostMemo.key("{ a }", None, {"ids": ["x"] * (MAX_SHAPE_VALUES + 1)}) is None
    assert CostMemo.key(None, None, None) is None


def test_the_memo_answers_what_was_put_under_the_same_key() -> None:
    memo = CostMemo(size=2)
    key = CostMemo.key("query($id: String!) { a }", None, {"id": "1"})
    assert key is not None
    assert memo.get(key) == (False, None)
    memo.put(key, 3)
    assert memo.get(key) == (True, 3)
    same_shape = CostMemo.key("query($id: String!) { a }", None, {"id": "2"})
    other_operation = CostMemo.key("query($id: String!) { a }", "A", {"id": "2"})
    assert same_shape is not None and other_operation is not None
    assert memo.get(same_shape) == (True, 3)
    assert memo.get(other_operation) == (False, None)
    assert memo.hits == 2


def test_texts_names_and_variable_names_too_long_to_keep_are_not_remembered() -> None:
    # Each is a key the memo would hold: a body padded with whitespace or comments (free of
    # tokens) must not make it keep a megabyte per entry.
    padded = "query($id: String!) { a }" + " " * CACHEABLE_DOCUMENT_CHARS
    assert CostMemo.key(padded, None, {"id": "1"}) is None
    assert CostMemo.key("{ a }", "A" * (MAX_KEPT_NAME_CHARS + 1), None) is None
    assert CostMemo.key("{ a }", None, {"v" * (MAX_KEPT_NAME_CHARS + 1): 1}) is None
    assert CostMemo.key("{ a }", None, {"o": {"k" * (MAX_KEPT_NAME_CHARS + 1): 1}}) is None
    assert CostMemo.key("{ a }", "A" * MAX_KEPT_NAME_CHARS, {"v" * MAX_KEPT_NAME_CHARS: 1})


def test_an_operation_name_that_is_not_a_string_is_not_a_key() -> None:
    # The name comes straight from the request body: anything JSON can hold, lists included.
    assert CostMemo.key("{ a }", ["A", "B"], None) is None  # type: ignore[arg-type]
    assert CostMemo.key("{ a }", {"a": 1}, None) is None  # type: ignore[arg-type]
