"""The "stored holds what was sent" walk shared by the vendors' ownership checks."""

from adapters.sent_subset import by_path, casefolded, holds, instant, same_scalar

NORMALISE = by_path({("s",): casefolded, ("at",): instant}, suffixes={("v",): casefolded})


def test_only_sent_keys_are_compared_and_nulls_count_as_not_sent() -> None:
    assert holds({"a": 1, "b": None}, {"a": 1.0, "c": "added by the vendor"}, NORMALISE)
    assert not holds({"a": 1}, {"b": 1}, NORMALISE)


def test_lists_compare_item_by_item_and_length() -> None:
    assert holds({"l": [{"x": 1}]}, {"l": [{"x": 1, "y": 2}]}, NORMALISE)
    assert not holds({"l": [{"x": 1}]}, {"l": [{"x": 1}, {"x": 2}]}, NORMALISE)


def test_normalisers_apply_by_path() -> None:
    assert holds({"s": "Paid"}, {"s": "paid"}, NORMALISE)
    assert holds({"at": "2025-01-01T01:00:00+01:00"}, {"at": "2025-01-01T00:00:00Z"}, NORMALISE)
    assert not holds({"other": "Paid"}, {"other": "paid"}, NORMALISE)
    assert holds({"deep": [{"v": "A"}]}, {"deep": [{"v": "a"}]}, NORMALISE)


def test_numbers_by_value_but_booleans_are_not_numbers() -> None:
    assert same_scalar(2, 2.0)
    assert not same_scalar(True, 1)
    assert not same_scalar(0.1, 0.2)
