"""Does a stored vendor document hold what we sent? The core of "is this landed write ours?".

A vendor fills in fields it was not sent (a default time zone, a computed order type, its own
ids and version tokens) and rewrites the ones it was sent in its own canonical form (a status
lower-cased, a date in another offset, ``1.50`` as ``1.5``). So the comparison walks only what
was *sent*: every key sent (with a non-null value) must be stored, and every stored value must
equal the sent one after the vendor's own normalisation of that field. Keys the vendor added are
never looked at. Each vendor says how it normalises a field with a ``Normaliser``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

Path = tuple[str, ...]
# The vendor's canonical form of a value at a path (list indexes are left out of the path).
Normaliser = Callable[[Path, object], object]


def holds(sent: object, stored: object, normalise: Normaliser, path: Path = ()) -> bool:
    """Whether ``stored`` holds everything in ``sent``."""
    if isinstance(sent, Mapping):
        if not isinstance(stored, Mapping):
            return False
        return all(
            holds(value, stored.get(key), normalise, (*path, str(key)))
            for key, value in sent.items()
            if value is not None
        )
    if isinstance(sent, list):
        if not isinstance(stored, list) or len(stored) != len(sent):
            return False
        return all(holds(a, b, normalise, path) for a, b in zip(sent, stored, strict=True))
    if stored is None:
        return False
    return same_scalar(normalise(path, sent), normalise(path, stored))


def same_scalar(a: object, b: object) -> bool:
    """Numbers by value (JSON has one number type: ``2`` is ``2.0``), everything else by ``==``."""
    if _is_number(a) and _is_number(b):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)  # type: ignore[arg-type]
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Normalisers several vendors share.


def casefolded(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def instant(value: object) -> object:
    """A date-time as the moment it names (offset and fraction digits do not matter); a naive
    one is taken as UTC. Anything unparsable is compared as it is."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def by_path(
    rules: Mapping[Path, Callable[[object], object]],
    *,
    suffixes: Mapping[Path, Callable[[object], object]] | None = None,
) -> Normaliser:
    """A ``Normaliser`` from a table of exact paths; ``suffixes`` match any path that ends with
    them (for a field that appears at several depths)."""
    by_suffix = dict(suffixes or {})

    def normalise(path: Path, value: object) -> object:
        rule = rules.get(path)
        if rule is None:
            for suffix, suffix_rule in by_suffix.items():
                if path[-len(suffix) :] == suffix:
                    rule = suffix_rule
                    break
        return value if rule is None else rule(value)

    return normalise
