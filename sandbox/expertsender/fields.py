"""Typed reads of JSON fields that collect every problem instead of stopping at the first.

The vendor validates a whole request and lists all its problems at once (ASP.NET model state), so
each read records what is wrong under the field's path and returns ``None``; the caller asks at
the end whether anything was recorded.
"""

from __future__ import annotations

from typing import Any

from sandbox.expertsender import inferred

Number = int | float


def child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def text_length(value: str) -> int:
    """Length as the vendor's .NET stack counts it: UTF-16 code units."""
    return len(value.encode("utf-16-le")) // 2


def is_int(value: Any) -> bool:
    # bool is an int subclass in Python but never a JSON number.
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return is_int(value) or isinstance(value, float)


def _length_message(key: str, min_len: int, max_len: int | None) -> str:
    if max_len is None:
        return inferred.MSG_MIN_LENGTH.format(field=key, min=min_len)
    if min_len == max_len:
        return inferred.MSG_EXACT_LENGTH.format(field=key, length=max_len)
    return inferred.MSG_LENGTH.format(field=key, min=min_len, max=max_len)


class FieldReader:
    """Reads fields out of decoded JSON objects, collecting ``"<path>: <message>"`` errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(inferred.error_string(path, message))

    def _present(self, obj: dict[str, Any], key: str, path: str, required: bool) -> Any:
        value = obj.get(key)
        if value is None and required:
            self.fail(path, inferred.MSG_REQUIRED.format(field=key))
        return value

    def string(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        min_len: int = 0,
        max_len: int | None = None,
    ) -> str | None:
        path = child(path, key)
        value = self._present(obj, key, path, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(path, inferred.MSG_TYPE.format(type="System.String"))
            return None
        length = text_length(value)
        if required and length == 0:
            # ASP.NET's [Required] refuses empty strings as well as missing ones.
            self.fail(path, inferred.MSG_REQUIRED.format(field=key))
            return None
        if length < min_len or (max_len is not None and length > max_len):
            self.fail(path, _length_message(key, min_len, max_len))
            return None
        return value

    def int32(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        minimum: int = inferred.INT32_MIN,
    ) -> int | None:
        path = child(path, key)
        value = self._present(obj, key, path, required)
        if value is None:
            return None
        if not is_int(value):
            self.fail(path, inferred.MSG_TYPE.format(type="System.Int32"))
            return None
        if not minimum <= value <= inferred.INT32_MAX:
            self.fail(
                path, inferred.MSG_RANGE.format(field=key, min=minimum, max=inferred.INT32_MAX)
            )
            return None
        return int(value)

    def number(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        minimum: float | None = None,
    ) -> Number | None:
        path = child(path, key)
        value = self._present(obj, key, path, required)
        if value is None:
            return None
        if not is_number(value):
            self.fail(path, inferred.MSG_TYPE.format(type="System.Double"))
            return None
        if minimum is not None and value < minimum:
            self.fail(path, inferred.MSG_MINIMUM.format(field=key, min=minimum))
            return None
        number: Number = value
        return number

    def object(
        self, obj: dict[str, Any], key: str, path: str, *, required: bool = False
    ) -> dict[str, Any] | None:
        path = child(path, key)
        value = self._present(obj, key, path, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(path, inferred.MSG_TYPE.format(type="an object"))
            return None
        return value

    def array(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        min_items: int = 0,
    ) -> list[Any] | None:
        path = child(path, key)
        value = self._present(obj, key, path, required)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(path, inferred.MSG_TYPE.format(type="an array"))
            return None
        if len(value) < min_items:
            self.fail(path, inferred.MSG_MIN_ITEMS.format(field=key))
            return None
        return value

    def element_object(self, value: Any, path: str) -> dict[str, Any] | None:
        """An array element that must be a JSON object."""
        if not isinstance(value, dict):
            self.fail(path, inferred.MSG_TYPE.format(type="an object"))
            return None
        return value
