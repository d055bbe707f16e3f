"""response_json reads what the standard library reads, and refuses what it refuses."""

from __future__ import annotations

import json
import math

import httpx
import pytest

from adapters.transport import response_json


def _response(content: bytes, content_type: str = "application/json") -> httpx.Response:
    return httpx.Response(200, content=content, headers={"content-type": content_type})


@pytest.mark.parametrize(
    "content",
    [
        b'{"orderId": "A-1", "lines": [{"sku": "S", "quantity": 2, "price": 9.5}]}',
        b"[]",
        b'"caf\xc3\xa9"',
        '\ufeff{"bom": true}'.encode(),  # UTF-8 with a byte-order mark
        '{"wide": "\u00e9"}'.encode("utf-16"),
        b'{"big": 18446744073709551615, "negative": -9223372036854775808}',
        b'{"dup": 1, "dup": 2}',
    ],
)
def test_reads_every_body_the_standard_library_reads(content: bytes) -> None:
    assert response_json(_response(content)) == json.loads(content)


def test_an_integer_beyond_64_bits_reads_as_a_float_as_javascript_would() -> None:
    # The one place orjson answers differently instead of refusing; no vendor field holds one.
    assert response_json(_response(b'{"huge": 123456789012345678901234567890}')) == {
        "huge": 1.2345678901234568e29
    }


def test_not_a_number_is_read_as_the_standard_library_reads_it() -> None:
    assert math.isnan(response_json(_response(b'{"x": NaN}'))["x"])


@pytest.mark.parametrize(
    "content", [b"", b"<html>Bad gateway</html>", b'{"open": ', b"\xff\xfe\xfd"]
)
def test_a_body_that_is_not_json_raises_value_error(content: bytes) -> None:
    with pytest.raises(ValueError):
        response_json(_response(content, "text/html"))
