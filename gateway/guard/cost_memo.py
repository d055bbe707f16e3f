"""The document checks and cost estimate of an operation, remembered per query text, operation
name and variables shape.

Both walk the whole document, on every request, for an answer that depends only on the text and
on the shape of the variables: string lengths (length limits), list lengths and numbers (cost),
and where each value sits. String contents matter only to the lone-surrogate check, which the
per-request check of the variables covers; so a shape keeps a string's length and drops its
text, and requests for different ids of one query share an entry.

Only a pass is remembered: a refusal is worked out again, so its message is exactly the one the
uncached checks give, and a refusal for running out of the time budget depends on the machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cachetools import LRUCache

from gateway.documents import cacheable

# Past this many values in the variables, building the key costs about what the checks do.
MAX_SHAPE_VALUES = 64
MEMO_SIZE = 1024
# Keys hold the query text (no longer than other caches keyed by text keep, ``cacheable``), the
# operation name and the variables' names: a name longer than this is not worth keeping.
MAX_KEPT_NAME_CHARS = 256

Shape = tuple[Any, ...]
MemoKey = tuple[str, str | None, Shape]


def variables_shape(variables: Mapping[str, Any] | None) -> Shape | None:
    """A hashable stand-in for ``variables`` that keeps everything the checks and the cost
    read; ``None`` when there are too many values to be worth it (or a type JSON has not)."""
    if not variables:
        return ()
    budget = [MAX_SHAPE_VALUES]
    return _shape_of_mapping(variables, budget)


def _shape_of_mapping(value: Mapping[Any, Any], budget: list[int]) -> Shape | None:
    shape: list[Any] = ["o"]
    for key, item in value.items():
        if not _keepable(key):
            return None
        inner = _shape(item, budget)
        if inner is None:
            return None
        shape.append((key, inner))
    return tuple(shape)


def _keepable(name: object) -> bool:
    return isinstance(name, str) and len(name) <= MAX_KEPT_NAME_CHARS


def _shape(value: Any, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        return None
    if isinstance(value, str):
        return ("s", len(value))
    # bool before int: True is an int to isinstance, but not to the cost's page sizes.
    if value is None or isinstance(value, bool | int | float):
        return (type(value).__name__, value)
    if isinstance(value, list):
        items: list[Any] = ["l"]
        for item in value:
            inner = _shape(item, budget)
            if inner is None:
                return None
            items.append(inner)
        return tuple(items)
    if isinstance(value, Mapping):
        return _shape_of_mapping(value, budget)
    return None


class CostMemo:
    """Costs of operations whose document checks passed, by ``MemoKey``; ``NO_OPERATION``
    records a document with no operation to price (Strawberry reports that one itself)."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self._costs: LRUCache[MemoKey, int | None] = LRUCache(size)
        self.hits = 0

    @staticmethod
    def key(
        query: str | None, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> MemoKey | None:
        if query is None or not cacheable(query):
            return None
        if operation_name is not None and not _keepable(operation_name):
            return None
        shape = variables_shape(variables)
        if shape is None:
            return None
        return (query, operation_name, shape)

    def get(self, key: MemoKey) -> tuple[bool, int | None]:
        """(found, cost); a cost of ``None`` is a document without an operation to price."""
        try:
            cost = self._costs[key]
        except KeyError:
            return False, None
        self.hits += 1
        return True, cost

    def put(self, key: MemoKey, cost: int | None) -> None:
        self._costs[key] = cost
